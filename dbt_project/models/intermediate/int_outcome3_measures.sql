-- Outcome 3, effective interventions and services: statutory timeliness and ASCOT gain.
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

events as (

    {{ with_region(ref('int_dsf_events')) }}

),

functions as (

    select * from {{ ref('dsf_functions') }}

),

assessments as (

    {{ with_region(ref('int_ascot_assessments')) }}

),

dsf_loaded as (

    select
        org,
        period
    from loaded
    where collection = 'dsf'

),

all_functions as (

    select
        dsf_loaded.org,
        dsf_loaded.period,
        count(events.event_id) as due,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(events.is_on_time), 0) as on_time
    from dsf_loaded
    left join events
        on dsf_loaded.org = events.scope and dsf_loaded.period = events.period
    group by dsf_loaded.org, dsf_loaded.period

),

by_function as (

    select
        dsf_loaded.org,
        dsf_loaded.period,
        functions.function_code,
        count(events.event_id) as due,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(events.is_on_time), 0) as on_time
    from dsf_loaded
    cross join functions
    left join events
        on
            dsf_loaded.org = events.scope
            and dsf_loaded.period = events.period
            and functions.function_code = events.function_code
    group by dsf_loaded.org, dsf_loaded.period, functions.function_code

),

-- each person's latest INT4 assessment in the period with all sixteen domains
latest_gains as (

    select
        scope,
        period,
        person_key,
        scrqol_gain
    from assessments
    where scrqol_gain is not null
    qualify row_number() over (
        partition by scope, period, person_key
        order by assessment_date desc, assessment_id desc, org desc
    ) = 1

),

gains as (

    select
        loaded.org,
        loaded.period,
        count(latest_gains.person_key) as people,
        coalesce(sum(latest_gains.scrqol_gain), 0) as gain_sum
    from loaded
    left join latest_gains
        on loaded.org = latest_gains.scope and loaded.period = latest_gains.period
    where loaded.collection = 'ascot'
    group by loaded.org, loaded.period

),

final as (

    select
        'O3_DSF_DUE' as measure_code,
        org,
        period,
        {{ measure_number('due') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('due') }} as value
    from all_functions
    union all
    select
        'O3_DSF_ON_TIME_PCT' as measure_code,
        org,
        period,
        {{ measure_number('on_time') }} as numerator,
        {{ measure_number('due') }} as denominator,
        {{ measure_number(percent('on_time', 'due')) }} as value
    from all_functions
    union all
    select
        'O3_DSF_DUE_' || function_code as measure_code,
        org,
        period,
        {{ measure_number('due') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('due') }} as value
    from by_function
    union all
    select
        'O3_DSF_ON_TIME_PCT_' || function_code as measure_code,
        org,
        period,
        {{ measure_number('on_time') }} as numerator,
        {{ measure_number('due') }} as denominator,
        {{ measure_number(percent('on_time', 'due')) }} as value
    from by_function
    union all
    select
        'O3_ASCOT_GAIN_MEAN' as measure_code,
        org,
        period,
        {{ measure_number('gain_sum') }} as numerator,
        {{ measure_number('people') }} as denominator,
        {{ measure_number(mean('gain_sum', 'people')) }} as value
    from gains

)

-- after a resubmission, only the rows it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
