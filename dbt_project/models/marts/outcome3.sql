-- Outcome 3 of the E-Framework: one row per (measure, org, period), true values (no
-- disclosure control: that is the extract's). Columns and meaning: measures.md.
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
        cast(value as double) as value,  -- noqa: RF04
        baseline_period,
        cast(baseline_value as double) as baseline_value,
        cast(change_from_baseline as double) as change_from_baseline,
        suppressed
    from measures
    where outcome = 3

)

select * from final
