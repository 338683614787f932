with

source as (

    select * from {{ source('adventureworks', 'sales_order_header') }}

),

renamed as (

    select
        sales_order_id,
        customer_id,
        cast(order_date as date) as order_date,
        cast(ship_date as date) as ship_date,
        status as order_status,
        sub_total,
        tax_amount,
        freight,
        total_due

    from source

)

select * from renamed
