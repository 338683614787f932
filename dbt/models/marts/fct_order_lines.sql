with

lines as (

    select * from {{ ref('stg_adventureworks__sales_order_lines') }}

),

orders as (

    select * from {{ ref('stg_adventureworks__sales_orders') }}

),

products as (

    select * from {{ ref('stg_adventureworks__products') }}

),

order_lines as (

    select
        lines.order_line_id,
        lines.sales_order_id,
        orders.customer_id,
        lines.product_id,
        products.product_category_id,
        orders.order_date,
        lines.order_quantity,
        lines.unit_price,
        lines.unit_price_discount,
        cast(lines.order_quantity * lines.unit_price as decimal(19, 4)) as gross_amount,
        cast(
            lines.order_quantity * lines.unit_price * lines.unit_price_discount
            as decimal(19, 4)
        ) as discount_amount,
        cast(
            lines.order_quantity * lines.unit_price * (1 - lines.unit_price_discount)
            as decimal(19, 4)
        ) as net_amount

    from lines
    inner join orders
        on lines.sales_order_id = orders.sales_order_id
    inner join products
        on lines.product_id = products.product_id

)

select * from order_lines
