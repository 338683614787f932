with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

categories as (

    select * from {{ ref('stg_adventureworks__product_categories') }}

),

per_category as (

    select
        product_category_id,
        count(distinct sales_order_id) as order_count,
        sum(order_quantity) as units,
        sum(net_amount) as net_sales

    from order_lines
    group by product_category_id

),

final as (

    select
        categories.product_category_id,
        categories.product_category_name,
        categories.top_level_category_name,
        per_category.order_count,
        per_category.units,
        per_category.net_sales

    from per_category
    inner join categories
        on per_category.product_category_id = categories.product_category_id

)

select * from final
