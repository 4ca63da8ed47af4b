{#-
    Building blocks of the population-level breakdowns (measures.md, "Breakdowns").
-#}

{#- A person's age for the breakdowns: the year of the date that places the record in its
    period, minus the birth year (returns.md keeps birth_year <= that year: never negative). -#}
{% macro age(placing_date) -%}
    cast(year({{ placing_date }}) - birth_year as integer)
{%- endmacro %}
