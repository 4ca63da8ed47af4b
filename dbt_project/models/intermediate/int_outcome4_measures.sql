-- Outcome 4, a valued and respected profession: satisfaction, retention and indicators.
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

satisfaction_people as (

    select * from {{ ref('int_ascot_satisfaction_people') }}

),

post_holders as (

    select * from {{ ref('int_workforce_post_holders') }}

),

indicators as (

    {{ with_region(ref('stg_indicators')) }}

),

satisfaction as (

    select
        loaded.org,
        loaded.period,
        count(satisfaction_people.person_key) as people,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(satisfaction_people.is_satisfied), 0) as satisfied
    from loaded
    left join satisfaction_people
        on
            loaded.org = satisfaction_people.scope
            and loaded.period = satisfaction_people.period
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
        {{ measure_number('satisfied') }} as numerator,
        {{ measure_number('people') }} as denominator,
        {{ measure_number(percent('satisfied', 'people')) }} as value
    from satisfaction
    union all
    select
        'O4_RETENTION_PCT' as measure_code,
        org,
        period,
        {{ measure_number('retained') }} as numerator,
        {{ measure_number('previous_post_holders') }} as denominator,
        {{ measure_number(percent('retained', 'previous_post_holders')) }} as value
    from retention
    union all
    select
        'O4_PUBLIC_RATING_PCT' as measure_code,
        org,
        period,
        {{ measure_number('numerator') }} as numerator,
        {{ measure_number('denominator') }} as denominator,
        {{ measure_number(percent('numerator', 'denominator')) }} as value
    from indicator_totals
    where indicator_code = 'PUBLIC_RATING_FAIR_OR_BETTER'
    union all
    select
        'O4_' || indicator_code as measure_code,
        org,
        period,
        {{ measure_number('numerator') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('numerator') }} as value
    from indicator_totals
    where indicator_code != 'PUBLIC_RATING_FAIR_OR_BETTER'

)

-- after a resubmission, only the rows it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
