{#-
    Building blocks of the outcome measures (measures.md).
-#}

{#- Rows of a relation once under their own org and once under REGION, as column `scope`:
    REGION is computed from pooled micro data, never from Trust values. Rows that are
    REGION's own (indicators) appear once. -#}
{% macro with_region(relation) -%}
    select
        *,
        org as scope
    from {{ relation }}
    union all
    select
        *,
        'REGION' as scope
    from {{ relation }}
    where org != 'REGION'
{%- endmacro %}

{#- The rows of `relation` (a measure row per `series` and period: `columns`, which include
    `period` and `value`) with their baseline (measures.md, "Shape of every mart row"):
    `baseline_period`, the first period with a value in the series unless the dbt var
    `baseline_period` fixes one, on every row; `baseline_value` and `change_from_baseline`
    from that period on. A series is a (measure, org) in the outcome marts and a (measure,
    dimension, category) in the breakdowns. -#}
{% macro with_baselines(relation, series, columns) -%}
    {%- set partition = series | join(', ') -%}
    select
        {{ columns | join(', ') }},
        baseline_period,
        case when period >= baseline_period then series_baseline_value end as baseline_value,
        case
            when period >= baseline_period then value - series_baseline_value
        end as change_from_baseline
    from (
        select
            {{ columns | join(', ') }},
            baseline_period,
            max(case when period = baseline_period then value end) over (
                partition by {{ partition }}
            ) as series_baseline_value
        from (
            select
                {{ columns | join(', ') }},
                {% if var('baseline_period', none) -%}
                    cast('{{ var("baseline_period") }}' as varchar)
                {%- else -%}
                    min(case when value is not null then period end) over (
                        partition by {{ partition }}
                    )
                {%- endif %} as baseline_period
            from {{ relation }}
        ) as with_baseline_period
    ) as with_baseline_value
{%- endmacro %}

{#- numerator / denominator x multiplier, rounded half away from zero to `places` decimals
    in exact integer arithmetic (a double would round 12.35 down). Both operands must be
    exact: integers or decimals of at most 10 places. Empty when there is nothing to divide
    by. -#}
{% macro rounded_ratio(numerator, denominator, places, multiplier=1) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else sign({{ numerator }}) * (
            (
                abs({{ _exact_integer(numerator) }}) * {{ 2 * multiplier * 10 ** places }}
                + {{ _exact_integer(denominator) }}
            ) // (2 * {{ _exact_integer(denominator) }})
        ) / {{ 10 ** places }}
    end
{%- endmacro %}

{% macro _exact_integer(expression) -%}
    cast(cast({{ expression }} as decimal(38, 10)) * 10000000000 as hugeint)
{%- endmacro %}

{#- Percentages are 0-100 to 1 decimal place; means to 2 (measures.md). -#}
{% macro percent(numerator, denominator) -%}
    {{ rounded_ratio(numerator, denominator, 1, 100) }}
{%- endmacro %}

{% macro mean(numerator, denominator) -%}
    {{ rounded_ratio(numerator, denominator, 2) }}
{%- endmacro %}

{#- A measure figure (numerator, denominator, value) in the one exact type every measure
    branch shares: DuckDB resolves a union of DECIMAL(38,1) and DECIMAL(38,10) branches to
    DECIMAL(38,1), which rounded O2_WTE's two-place sums to one place in the share beside it. -#}
{% macro measure_number(expression) -%}
    cast({{ expression }} as decimal(38, 10))
{%- endmacro %}

{#- A common multiple of every Star version's area count (seed star_areas): (latest - first)
    mean area scores are whole numbers of 1 / this, so their mean rounds exactly. -#}
{% macro area_lcm() -%}
    (
        select cast(product(area_count) as bigint)
        from (
            select distinct count(*) as area_count
            from {{ ref('star_areas') }}
            group by star_version
        ) as version_area_counts
    )
{%- endmacro %}
