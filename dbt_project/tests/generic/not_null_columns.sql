{#-
    None of the given columns holds a null: the not_null test of many columns in one query (one
    scan of the model, where a not_null test per column costs dbt's fixed ~25 ms each). A row
    per column that has nulls, naming it, with how many rows.
-#}
{% test not_null_columns(model, columns) %}

    with null_counts as (
        select
            {%- for column in columns %}
            count(*) filter (where {{ adapter.quote(column) }} is null)
                as {{ adapter.quote(column) }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ model }}
    )

    select
        null_column,
        null_rows
    from null_counts
    unpivot (null_rows for null_column in (
        {%- for column in columns %}
        {{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    ))
    where null_rows > 0

{% endtest %}
