-- Every measure row of every outcome, with its baseline (measures.md, Shape of every mart row).
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
        cast(measure_rows.value as decimal(38, 10)) as value
    from measure_rows
    inner join catalog on measure_rows.measure_code = catalog.measure_code

),

-- the baseline of each (measure, org)
compared as (

    {{
        with_baselines(
            'described',
            series=['measure_code', 'org'],
            columns=[
                'outcome', 'measure_code', 'oba_type', 'org', 'period',
                'numerator', 'denominator', 'value',
            ],
        )
    }}

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
