-- Outcome 2, a skilled, confident and resilient workforce: from each period's snapshot.
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_scope',
        scope_columns=['org', 'period'],
    )
}}

with

loaded as (

    select * from {{ ref('int_loaded_returns') }}

),

post_holders as (

    {{ with_region(ref('int_workforce_post_holders')) }}

),

snapshots as (

    select
        loaded.org,
        loaded.period,
        count(post_holders.worker_key) as headcount,
        coalesce(sum(post_holders.wte), 0) as wte,
        coalesce(sum(post_holders.wte) filter (post_holders.contract_type = 'agency'), 0)
            as agency_wte,
        coalesce(sum(post_holders.sickness_days), 0) as sickness_days,
        coalesce(sum(post_holders.contracted_days), 0) as contracted_days,
        coalesce(sum(post_holders.sickness_days) filter (post_holders.aye), 0)
            as aye_sickness_days,
        coalesce(sum(post_holders.contracted_days) filter (post_holders.aye), 0)
            as aye_contracted_days,
        coalesce(sum(post_holders.sickness_days) filter (post_holders.band = '6'), 0)
            as band6_sickness_days,
        coalesce(sum(post_holders.contracted_days) filter (post_holders.band = '6'), 0)
            as band6_contracted_days,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(post_holders.aye), 0) as aye_headcount,
        coalesce(count_if(post_holders.age_band in ('50_59', '60_plus')), 0) as aged_50_plus,
        count(post_holders.recruitment_days) as recruited,
        median(post_holders.recruitment_days) as recruitment_days_median,
        coalesce(sum(post_holders.direct_work_hours), 0) as direct_work_hours,
        coalesce(
            sum(post_holders.contracted_days) filter (
                post_holders.direct_work_hours is not null
            ),
            0
        ) * 7.5 as direct_work_available_hours
    from loaded
    left join post_holders
        on loaded.org = post_holders.scope and loaded.period = post_holders.period
    where loaded.collection = 'workforce'
    group by loaded.org, loaded.period

),

final as (

    select
        'O2_WTE' as measure_code,
        org,
        period,
        {{ measure_number('wte') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('wte') }} as value
    from snapshots
    union all
    select
        'O2_HEADCOUNT' as measure_code,
        org,
        period,
        {{ measure_number('headcount') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('headcount') }} as value
    from snapshots
    union all
    select
        'O2_AGENCY_WTE_PCT' as measure_code,
        org,
        period,
        {{ measure_number('agency_wte') }} as numerator,
        {{ measure_number('wte') }} as denominator,
        {{ measure_number(percent('agency_wte', 'wte')) }} as value
    from snapshots
    union all
    select
        'O2_SICKNESS_PCT' as measure_code,
        org,
        period,
        {{ measure_number('sickness_days') }} as numerator,
        {{ measure_number('contracted_days') }} as denominator,
        {{ measure_number(percent('sickness_days', 'contracted_days')) }} as value
    from snapshots
    union all
    select
        'O2_SICKNESS_PCT_AYE' as measure_code,
        org,
        period,
        {{ measure_number('aye_sickness_days') }} as numerator,
        {{ measure_number('aye_contracted_days') }} as denominator,
        {{
            measure_number(percent('aye_sickness_days', 'aye_contracted_days'))
        }} as value
    from snapshots
    union all
    select
        'O2_SICKNESS_PCT_BAND6' as measure_code,
        org,
        period,
        {{ measure_number('band6_sickness_days') }} as numerator,
        {{ measure_number('band6_contracted_days') }} as denominator,
        {{
            measure_number(percent('band6_sickness_days', 'band6_contracted_days'))
        }} as value
    from snapshots
    union all
    select
        'O2_AYE_HEADCOUNT' as measure_code,
        org,
        period,
        {{ measure_number('aye_headcount') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('aye_headcount') }} as value
    from snapshots
    union all
    select
        'O2_AGED_50_PLUS_PCT' as measure_code,
        org,
        period,
        {{ measure_number('aged_50_plus') }} as numerator,
        {{ measure_number('headcount') }} as denominator,
        {{ measure_number(percent('aged_50_plus', 'headcount')) }} as value
    from snapshots
    union all
    select
        'O2_RECRUIT_DAYS_MEDIAN' as measure_code,
        org,
        period,
        {{ measure_number('null') }} as numerator,
        {{ measure_number('recruited') }} as denominator,
        {{ measure_number('recruitment_days_median') }} as value
    from snapshots
    union all
    select
        'O2_DIRECT_WORK_PCT' as measure_code,
        org,
        period,
        {{ measure_number('direct_work_hours') }} as numerator,
        {{ measure_number('direct_work_available_hours') }} as denominator,
        {{
            measure_number(percent('direct_work_hours', 'direct_work_available_hours'))
        }} as value
    from snapshots

)

-- after a resubmission, only the rows it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
