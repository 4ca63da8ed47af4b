{#- Non-null values are codes of one list in the `codes` seed (sex, instrument, band, ...). -#}
{% test in_code_list(model, column_name, code_list) %}

    select tested.{{ column_name }} as unknown_code
    from {{ model }} as tested
    where
        tested.{{ column_name }} is not null
        and not exists (
            select 1
            from {{ ref('codes') }} as codes
            where codes.code_list = '{{ code_list }}' and codes.code = tested.{{ column_name }}
        )

{% endtest %}
