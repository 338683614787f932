with

source as (

    select * from {{ source('adventureworks', 'product_category') }}

),

renamed as (

    select
        product_category_id,
        parent_product_category_id,
        name as product_category_name

    from source

),

with_parent as (

    select
        category.product_category_id,
        category.product_category_name,
        category.parent_product_category_id,
        coalesce(parent.product_category_name, category.product_category_name)
            as top_level_category_name

    from renamed as category
    left join renamed as parent
        on category.parent_product_category_id = parent.product_category_id

)

select * from with_parent
