-- Outcome 2, a skilled, confident and resilient workforce: from each period's snapshot.
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
        count_if(post_holders.aye) as aye_headcount,
        count_if(post_holders.age_band in ('50_59', '60_plus')) as aged_50_plus,
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
        wte as numerator,
        null as denominator,
        wte as value
    from snapshots
    union all
    select
        'O2_HEADCOUNT',
        org,
        period,
        headcount,
        null,
        headcount
    from snapshots
    union all
    select
        'O2_AGENCY_WTE_PCT',
        org,
        period,
        agency_wte,
        wte,
        {{ percent('agency_wte', 'wte') }}
    from snapshots
    union all
    select
        'O2_SICKNESS_PCT',
        org,
        period,
        sickness_days,
        contracted_days,
        {{ percent('sickness_days', 'contracted_days') }}
    from snapshots
    union all
    select
        'O2_SICKNESS_PCT_AYE',
        org,
        period,
        aye_sickness_days,
        aye_contracted_days,
        {{ percent('aye_sickness_days', 'aye_contracted_days') }}
    from snapshots
    union all
    select
        'O2_SICKNESS_PCT_BAND6',
        org,
        period,
        band6_sickness_days,
        band6_contracted_days,
        {{ percent('band6_sickness_days', 'band6_contracted_days') }}
    from snapshots
    union all
    select
        'O2_AYE_HEADCOUNT',
        org,
        period,
        aye_headcount,
        null,
        aye_headcount
    from snapshots
    union all
    select
        'O2_AGED_50_PLUS_PCT',
        org,
        period,
        aged_50_plus,
        headcount,
        {{ percent('aged_50_plus', 'headcount') }}
    from snapshots
    union all
    select
        'O2_RECRUIT_DAYS_MEDIAN',
        org,
        period,
        null,
        recruited,
        recruitment_days_median
    from snapshots
    union all
    select
        'O2_DIRECT_WORK_PCT',
        org,
        period,
        direct_work_hours,
        direct_work_available_hours,
        {{ percent('direct_work_hours', 'direct_work_available_hours') }}
    from snapshots

)

select * from final
