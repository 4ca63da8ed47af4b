-- Outcome 1, improving social wellbeing: one row per (measure, org, period) before baselines.
-- Every branch has the same exact numeric type (a union of decimals of different scales
-- would round them all to the smallest scale).
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

ascot_people as (

    select * from {{ ref('int_ascot_scored_people') }}

),

star_people as (

    select * from {{ ref('int_star_people') }}

),

journeys as (

    select * from {{ ref('int_star_journeys') }}

),

questionnaires as (

    {{ with_region(ref('int_raw_questionnaires')) }}

),

ascot_measures as (

    select
        loaded.org,
        loaded.period,
        count(ascot_people.person_key) as people,
        coalesce(sum(ascot_people.scrqol_current), 0) as scrqol_sum
    from loaded
    left join ascot_people
        on loaded.org = ascot_people.scope and loaded.period = ascot_people.period
    where loaded.collection = 'ascot'
    group by loaded.org, loaded.period

),

star_measures as (

    select
        loaded.org,
        loaded.period,
        count(star_people.person_key) as people
    from loaded
    left join star_people
        on loaded.org = star_people.scope and loaded.period = star_people.period
    where loaded.collection = 'star'
    group by loaded.org, loaded.period

),

-- pairs whose first reading is loaded and whose latest reading in the period is not it
star_progress as (

    select
        loaded.org,
        loaded.period,
        count(journeys.person_key) as pairs,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(journeys.is_improved), 0) as improved,
        coalesce(sum(journeys.distance_lcm_units), 0) as distance_sum_scaled,
        max(journeys.area_lcm) as area_lcm,
        coalesce(sum(journeys.distance), 0) as distance_sum
    from loaded
    left join journeys
        on
            loaded.org = journeys.scope
            and loaded.period = journeys.period
            and journeys.is_progress_pair
    where loaded.collection = 'star'
    group by loaded.org, loaded.period

),

young_people as (

    select
        loaded.org,
        loaded.period,
        count(questionnaires.response_id) as questionnaires,
        coalesce(sum(questionnaires.score_total), 0) as score_total_sum,
        coalesce(sum(questionnaires.raw_score), 0) as raw_score_sum,
        -- RAW score >= 75 is 12 items summing to 36 or more (x 100 / 48)
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(questionnaires.score_total * 100 >= 75 * 48), 0) as good
    from loaded
    left join questionnaires
        on
            loaded.org = questionnaires.scope
            and loaded.period = questionnaires.period
            and questionnaires.is_young_person_complete
    where loaded.collection = 'raw'
    group by loaded.org, loaded.period

),

final as (

    select
        'O1_ASCOT_PEOPLE' as measure_code,
        org,
        period,
        {{ measure_number('people') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('people') }} as value
    from ascot_measures
    union all
    select
        'O1_ASCOT_SCRQOL_MEAN' as measure_code,
        org,
        period,
        {{ measure_number('scrqol_sum') }} as numerator,
        {{ measure_number('people') }} as denominator,
        {{ measure_number(mean('scrqol_sum', 'people')) }} as value
    from ascot_measures
    union all
    select
        'O1_STAR_PEOPLE' as measure_code,
        org,
        period,
        {{ measure_number('people') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('people') }} as value
    from star_measures
    union all
    select
        'O1_STAR_IMPROVED_PCT' as measure_code,
        org,
        period,
        {{ measure_number('improved') }} as numerator,
        {{ measure_number('pairs') }} as denominator,
        {{ measure_number(percent('improved', 'pairs')) }} as value
    from star_progress
    union all
    select
        'O1_STAR_DISTANCE_MEAN' as measure_code,
        org,
        period,
        {{ measure_number('distance_sum') }} as numerator,
        {{ measure_number('pairs') }} as denominator,
        {{
            measure_number(mean('distance_sum_scaled', 'pairs * area_lcm'))
        }} as value
    from star_progress
    union all
    select
        'O1_RAW_YP_MEAN' as measure_code,
        org,
        period,
        {{ measure_number('raw_score_sum') }} as numerator,
        {{ measure_number('questionnaires') }} as denominator,
        {{
            measure_number(mean('score_total_sum * 100', 'questionnaires * 48'))
        }} as value
    from young_people
    union all
    select
        'O1_RAW_GOOD_PCT' as measure_code,
        org,
        period,
        {{ measure_number('good') }} as numerator,
        {{ measure_number('questionnaires') }} as denominator,
        {{ measure_number(percent('good', 'questionnaires')) }} as value
    from young_people

)

-- after a resubmission, only the rows it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
