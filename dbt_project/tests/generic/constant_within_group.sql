{#-
    A column takes a single value within each group, e.g. one version per (org, period) slice,
    or one star_version per (org, period, reading_id). Nulls count as a value.
-#}
{% test constant_within_group(model, column_name, group_by) %}
    {%- set group_csv = group_by | join(', ') %}

    select
        {{ group_csv }},
        count(distinct coalesce(cast({{ column_name }} as varchar), '<null>')) as n_values
    from {{ model }}
    group by {{ group_csv }}
    having count(distinct coalesce(cast({{ column_name }} as varchar), '<null>')) > 1

{% endtest %}
