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

{#- The last day of a period: 2025-26-Q1 -> 2025-06-30, 2025-26-Q4 -> 2026-03-31. -#}
{% macro period_last_day(period) -%}
    cast(
        make_date(cast(left({{ period }}, 4) as integer), 4, 1)
        + to_months(3 * cast(right({{ period }}, 1) as integer))
        - interval 1 day
        as date
    )
{%- endmacro %}

{#- The day a period's returns are due: its last day + `submission_deadline_days`, a var the
    Python side passes from `[tool.sws]` of pyproject.toml (its one home). -#}
{% macro submission_deadline(period) -%}
    {{ period_last_day(period) }} + {{ var('submission_deadline_days') }}
{%- endmacro %}
