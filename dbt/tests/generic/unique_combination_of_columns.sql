{#- Fails on every combination of the columns that occurs more than once: a composite key's
    uniqueness (dbt core's `unique` takes one column). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
