{#- Every row satisfies a SQL boolean expression (a null result counts as a failure). -#}
{% test expression_is_true(model, expression) %}

    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)

{% endtest %}
