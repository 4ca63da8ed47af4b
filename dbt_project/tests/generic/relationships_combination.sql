{#-
    Multi-column `relationships`: every non-null combination of `columns` in the model exists
    as the combination `to_columns` (same order) in `to`. E.g. (star_version, area_code).
-#}
{% test relationships_combination(model, columns, to, to_columns) %}

    select
        {% for column in columns -%}
            tested.{{ column }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ model }} as tested
    where
        {% for column in columns -%}
            tested.{{ column }} is not null and
        {% endfor -%}
        not exists (
            select 1
            from {{ to }} as parent
            where
                {% for column in columns -%}
                    parent.{{ to_columns[loop.index0] }} = tested.{{ column }}
                    {{- " and" if not loop.last }}
                {% endfor %}
        )

{% endtest %}
