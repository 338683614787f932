with

source as (

    select * from {{ source('adventureworks', 'customer') }}

),

renamed as (

    select
        customer_id,
        title,
        first_name,
        last_name,
        concat_ws(' ', first_name, last_name) as customer_name,
        company_name,
        sales_person,
        email_address,
        modified_date as customer_modified_at

    from source

)

select * from renamed
