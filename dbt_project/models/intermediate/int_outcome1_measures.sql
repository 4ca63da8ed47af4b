-- Outcome 1, improving social wellbeing: one row per (measure, org, period) before baselines.
with

loaded as (

    select * from {{ ref('int_loaded_returns') }}

),

assessments as (

    {{ with_region(ref('int_ascot_assessments')) }}

),

readings as (

    {{ with_region(ref('int_star_readings')) }}

),

journeys as (

    select * from {{ ref('int_star_journeys') }}

),

questionnaires as (

    {{ with_region(ref('int_raw_questionnaires')) }}

),

-- each person's latest assessment in the period with all eight current domains
latest_scored_assessments as (

    select
        scope,
        period,
        person_key,
        scrqol_current
    from assessments
    where scrqol_current is not null
    qualify row_number() over (
        partition by scope, period, person_key
        order by assessment_date desc, assessment_id desc, org desc
    ) = 1

),

ascot_measures as (

    select
        loaded.org,
        loaded.period,
        count(latest.person_key) as people,
        coalesce(sum(latest.scrqol_current), 0) as scrqol_sum
    from loaded
    left join latest_scored_assessments as latest
        on loaded.org = latest.scope and loaded.period = latest.period
    where loaded.collection = 'ascot'
    group by loaded.org, loaded.period

),

star_people as (

    select
        loaded.org,
        loaded.period,
        count(distinct readings.person_key) as people
    from loaded
    left join readings
        on
            loaded.org = readings.scope
            and loaded.period = readings.period
            and readings.is_complete
    where loaded.collection = 'star'
    group by loaded.org, loaded.period

),

lcm_areas as (

    select {{ area_lcm() }} as area_lcm

),

-- pairs whose first reading is loaded and whose latest reading in the period is not it
star_progress as (

    select
        loaded.org,
        loaded.period,
        count(journeys.person_key) as pairs,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(journeys.latest_score_total > journeys.first_score_total), 0) as improved,
        -- the same version's area count on both sides: sum of (latest - first) mean score,
        -- exact as a fraction of 1 / lcm(area counts)
        coalesce(
            sum(
                (journeys.latest_score_total - journeys.first_score_total)
                * (lcm_areas.area_lcm // journeys.area_count)
            ),
            0
        ) as distance_sum_scaled,
        max(lcm_areas.area_lcm) as area_lcm,
        -- each term a decimal: a sum of doubles differs in its last digits from run to run
        coalesce(
            sum(
                cast(
                    (journeys.latest_score_total - journeys.first_score_total)
                    / journeys.area_count as decimal(38, 10)
                )
            ),
            0
        ) as distance_sum
    from loaded
    cross join lcm_areas
    left join journeys
        on
            loaded.org = journeys.scope
            and loaded.period = journeys.period
            and journeys.has_first_reading
            and not journeys.latest_is_first
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
            and questionnaires.respondent = 'young_person'
            and questionnaires.is_complete
    where loaded.collection = 'raw'
    group by loaded.org, loaded.period

),

final as (

    select
        'O1_ASCOT_PEOPLE' as measure_code,
        org,
        period,
        people as numerator,
        null as denominator,
        people as value  -- noqa: RF04
    from ascot_measures
    union all
    select
        'O1_ASCOT_SCRQOL_MEAN' as measure_code,
        org,
        period,
        scrqol_sum as numerator,
        people as denominator,
        {{ mean('scrqol_sum', 'people') }} as value  -- noqa: RF04
    from ascot_measures
    union all
    select
        'O1_STAR_PEOPLE' as measure_code,
        org,
        period,
        people as numerator,
        null as denominator,
        people as value  -- noqa: RF04
    from star_people
    union all
    select
        'O1_STAR_IMPROVED_PCT' as measure_code,
        org,
        period,
        improved as numerator,
        pairs as denominator,
        {{ percent('improved', 'pairs') }} as value  -- noqa: RF04
    from star_progress
    union all
    select
        'O1_STAR_DISTANCE_MEAN' as measure_code,
        org,
        period,
        distance_sum as numerator,
        pairs as denominator,
        {{ mean('distance_sum_scaled', 'pairs * area_lcm') }} as value  -- noqa: RF04
    from star_progress
    union all
    select
        'O1_RAW_YP_MEAN' as measure_code,
        org,
        period,
        raw_score_sum as numerator,
        questionnaires as denominator,
        {{ mean('score_total_sum * 100', 'questionnaires * 48') }} as value  -- noqa: RF04
    from young_people
    union all
    select
        'O1_RAW_GOOD_PCT' as measure_code,
        org,
        period,
        good as numerator,
        questionnaires as denominator,
        {{ percent('good', 'questionnaires') }} as value  -- noqa: RF04
    from young_people

)

select * from final
