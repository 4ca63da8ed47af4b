-- Outcome 2 of the E-Framework, a skilled, confident and resilient workforce: one row per (measure,
-- org, period) with true values (disclosure control belongs to the extracts). Columns: measures.md.
with

measures as (

    select * from {{ ref('int_measures') }}

),

final as (

    select
        cast(outcome as integer) as outcome,
        measure_code,
        oba_type,
        org,
        period,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(value as double) as value,
        baseline_period,
        cast(baseline_value as double) as baseline_value,
        cast(change_from_baseline as double) as change_from_baseline,
        suppressed
    from measures
    where outcome = 2

)

select * from final
