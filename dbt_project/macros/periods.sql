{#-
    Financial-year quarter periods, written YYYY-YY-Qn (returns.md): Q1 April-June ... Q4
    January-March of the next year.
-#}

{#- The quarter before a period, as period text: 2025-26-Q1 -> 2024-25-Q4. -#}
{% macro previous_period(period) -%}
    case
        when right({{ period }}, 1) = '1'
            then
                cast(cast(left({{ period }}, 4) as integer) - 1 as varchar)
                || '-' || right(left({{ period }}, 4), 2) || '-Q4'
        else
            left({{ period }}, 9)
            || cast(cast(right({{ period }}, 1) as integer) - 1 as varchar)
    end
{%- endmacro %}
