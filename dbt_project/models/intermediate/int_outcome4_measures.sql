-- Outcome 4, a valued and respected profession: satisfaction, retention and indicators.
with

loaded as (

    select * from {{ ref('int_loaded_returns') }}

),

assessments as (

    {{ with_region(ref('int_ascot_assessments')) }}

),

post_holders as (

    select * from {{ ref('int_workforce_post_holders') }}

),

indicators as (

    {{ with_region(ref('stg_indicators')) }}

),

-- each person's latest assessment in the period with satisfaction given
latest_satisfaction as (

    select
        scope,
        period,
        person_key,
        satisfaction
    from assessments
    where satisfaction is not null
    qualify row_number() over (
        partition by scope, period, person_key
        order by assessment_date desc, assessment_id desc, org desc
    ) = 1

),

satisfaction as (

    select
        loaded.org,
        loaded.period,
        count(latest_satisfaction.person_key) as people,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(latest_satisfaction.satisfaction in (1, 2)), 0) as satisfied
    from loaded
    left join latest_satisfaction
        on
            loaded.org = latest_satisfaction.scope
            and loaded.period = latest_satisfaction.period
    where loaded.collection = 'ascot'
    group by loaded.org, loaded.period

),

-- a Trust's retention needs its snapshots of this quarter and the one before (either may be
-- a nil return)
trust_retention as (

    select
        loaded.org,
        loaded.period,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(post_holders.is_in_next_quarter), 0) as retained,
        count(post_holders.worker_key) as previous_post_holders
    from loaded
    inner join loaded as previous_loaded
        on
            loaded.collection = previous_loaded.collection
            and loaded.org = previous_loaded.org
            and {{ previous_period('loaded.period') }} = previous_loaded.period
    left join post_holders
        on
            previous_loaded.org = post_holders.org
            and previous_loaded.period = post_holders.period
    where loaded.collection = 'workforce' and loaded.org != 'REGION'
    group by loaded.org, loaded.period

),

-- REGION: the Trusts that have a row, pooled
retention as (

    select * from trust_retention
    union all
    select
        'REGION' as org,
        period,
        sum(retained) as retained,
        sum(previous_post_holders) as previous_post_holders
    from trust_retention
    group by period

),

indicator_totals as (

    select
        loaded.org,
        loaded.period,
        indicator_codes.indicator_code,
        coalesce(sum(cast(indicators.numerator as decimal(38, 10))), 0) as numerator,
        coalesce(sum(cast(indicators.denominator as decimal(38, 10))), 0) as denominator
    from loaded
    cross join {{ ref('indicators') }} as indicator_codes
    left join indicators
        on
            loaded.org = indicators.scope
            and loaded.period = indicators.period
            and indicator_codes.indicator_code = indicators.indicator_code
    where loaded.collection = 'indicators'
    group by loaded.org, loaded.period, indicator_codes.indicator_code

),

final as (

    select
        'O4_SATISFIED_PCT' as measure_code,
        org,
        period,
        satisfied as numerator,
        people as denominator,
        {{ percent('satisfied', 'people') }} as value  -- noqa: RF04
    from satisfaction
    union all
    select
        'O4_RETENTION_PCT' as measure_code,
        org,
        period,
        retained as numerator,
        previous_post_holders as denominator,
        {{ percent('retained', 'previous_post_holders') }} as value  -- noqa: RF04
    from retention
    union all
    select
        'O4_PUBLIC_RATING_PCT' as measure_code,
        org,
        period,
        numerator,
        denominator,
        {{ percent('numerator', 'denominator') }} as value  -- noqa: RF04
    from indicator_totals
    where indicator_code = 'PUBLIC_RATING_FAIR_OR_BETTER'
    union all
    select
        'O4_' || indicator_code as measure_code,
        org,
        period,
        numerator,
        null as denominator,
        numerator as value  -- noqa: RF04
    from indicator_totals
    where indicator_code != 'PUBLIC_RATING_FAIR_OR_BETTER'

)

select * from final
