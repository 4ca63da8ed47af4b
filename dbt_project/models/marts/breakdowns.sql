-- Population-level breakdowns (measures.md, "Breakdowns"): one row per (measure, dimension,
-- category, period) for REGION, true values (disclosure control is the extract's), with the
-- baseline of each (measure, dimension, category). The mart columns of measures.md with
-- `dimension` and `category` after `org`, the order of the key.
with

breakdown_rows as (

    select * from {{ ref('int_breakdown_measures') }}

),

catalog as (

    select * from {{ ref('measures') }}

),

described as (

    select
        catalog.outcome,
        breakdown_rows.measure_code,
        catalog.oba_type,
        breakdown_rows.dimension,
        breakdown_rows.category,
        breakdown_rows.period,
        breakdown_rows.numerator,
        breakdown_rows.denominator,
        breakdown_rows.value
    from breakdown_rows
    inner join catalog on breakdown_rows.measure_code = catalog.measure_code

),

compared as (

    {{
        with_baselines(
            'described',
            series=['measure_code', 'dimension', 'category'],
            columns=[
                'outcome', 'measure_code', 'oba_type', 'dimension', 'category', 'period',
                'numerator', 'denominator', 'value',
            ],
        )
    }}

),

final as (

    select
        cast(outcome as integer) as outcome,
        measure_code,
        oba_type,
        -- breakdowns are of the pooled micro data of every Trust
        'REGION' as org,
        dimension,
        category,
        period,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(value as double) as value,
        baseline_period,
        cast(baseline_value as double) as baseline_value,
        cast(change_from_baseline as double) as change_from_baseline,
        -- disclosure control belongs to the extracts: the marts keep true values
        false as suppressed
    from compared

)

select * from final
