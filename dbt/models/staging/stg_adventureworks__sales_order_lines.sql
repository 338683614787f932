with

source as (

    select * from {{ source('adventureworks', 'sales_order_detail') }}

),

renamed as (

    select
        sales_order_detail_id as order_line_id,
        sales_order_id,
        product_id,
        order_quantity,
        unit_price,
        unit_price_discount

    from source

)

select * from renamed
