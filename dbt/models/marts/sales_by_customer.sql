with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

customers as (

    select * from {{ ref('stg_adventureworks__customers') }}

),

per_customer as (

    select
        customer_id,
        count(distinct sales_order_id) as order_count,
        sum(order_quantity) as units,
        sum(net_amount) as net_sales,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date

    from order_lines
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.customer_name,
        customers.company_name,
        per_customer.order_count,
        per_customer.units,
        per_customer.net_sales,
        per_customer.first_order_date,
        per_customer.last_order_date

    from per_customer
    inner join customers
        on per_customer.customer_id = customers.customer_id

)

select * from final
