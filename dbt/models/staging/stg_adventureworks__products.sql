with

source as (

    select * from {{ source('adventureworks', 'product') }}

),

renamed as (

    select
        product_id,
        product_category_id,
        name as product_name,
        product_number,
        color,
        standard_cost,
        list_price

    from source

)

select * from renamed
