{#-
    Financial-year quarter periods, written YYYY-YY-Qn (returns.md):
    Q1 April-June, Q2 July-September, Q3 October-December, Q4 January-March of the next year.
    Each macro takes a SQL expression for the period text and returns a SQL date expression.
-#}

{% macro period_start_date(period) -%}
    make_date(
        cast(left({{ period }}, 4) as integer) + cast(right({{ period }}, 1) = '4' as integer),
        (cast(right({{ period }}, 1) as integer) % 4) * 3 + 1,
        1
    )
{%- endmacro %}

{% macro period_end_date(period) -%}
    last_day({{ period_start_date(period) }} + interval 2 month)
{%- endmacro %}

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
