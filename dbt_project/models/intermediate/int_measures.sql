-- Every measure row of every outcome, and of the returns themselves (outside the outcomes),
-- with its baseline (measures.md, Shape of every mart row).
-- The baseline is the first period with a value for the (measure, org), unless the dbt var
-- `baseline_period` fixes one.
with

measure_rows as (

    select * from {{ ref('int_outcome1_measures') }}
    union all
    select * from {{ ref('int_outcome2_measures') }}
    union all
    select * from {{ ref('int_outcome3_measures') }}
    union all
    select * from {{ ref('int_outcome4_measures') }}
    union all
    select * from {{ ref('int_return_quality_measures') }}

),

catalog as (

    select * from {{ ref('measures') }}

),

described as (

    select
        catalog.outcome,
        measure_rows.measure_code,
        catalog.oba_type,
        measure_rows.org,
        measure_rows.period,
        cast(measure_rows.numerator as decimal(38, 10)) as numerator,
        cast(measure_rows.denominator as decimal(38, 10)) as denominator,
        cast(measure_rows.value as decimal(38, 10)) as value  -- noqa: RF04
    from measure_rows
    inner join catalog on measure_rows.measure_code = catalog.measure_code

),

baseline_periods as (

    select
        measure_code,
        org,
        {% if var('baseline_period', none) -%}
            '{{ var("baseline_period") }}'
        {%- else -%}
            min(period) filter (value is not null)
        {%- endif %} as baseline_period
    from described
    group by measure_code, org

),

baselines as (

    select
        baseline_periods.measure_code,
        baseline_periods.org,
        baseline_periods.baseline_period,
        described.value as baseline_value
    from baseline_periods
    left join described
        on
            baseline_periods.measure_code = described.measure_code
            and baseline_periods.org = described.org
            and baseline_periods.baseline_period = described.period

),

compared as (

    select
        described.outcome,
        described.measure_code,
        described.oba_type,
        described.org,
        described.period,
        described.numerator,
        described.denominator,
        described.value,
        baselines.baseline_period,
        case
            when described.period >= baselines.baseline_period then baselines.baseline_value
        end as baseline_value,
        case
            when described.period >= baselines.baseline_period
                then described.value - baselines.baseline_value
        end as change_from_baseline
    from described
    inner join baselines
        on
            described.measure_code = baselines.measure_code
            and described.org = baselines.org

),

final as (

    select
        outcome,
        measure_code,
        oba_type,
        org,
        period,
        numerator,
        denominator,
        value,
        baseline_period,
        baseline_value,
        change_from_baseline,
        -- disclosure control belongs to the extracts: the marts keep true values
        false as suppressed
    from compared

)

select * from final
