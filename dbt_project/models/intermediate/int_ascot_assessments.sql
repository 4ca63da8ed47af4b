-- One row per ASCOT assessment with its scores: SCRQoL only where all eight current domains
-- are present; expected SCRQoL and gain only on INT4 with all sixteen (returns.md). The person
-- fields place the assessment in the breakdowns (measures.md, "Breakdowns").
with

assessments as (

    select * from {{ ref('stg_ascot') }}

),

scored as (

    select
        org,
        period,
        assessment_id,
        person_key,
        assessment_date,
        instrument,
        satisfaction,
        lgd_code,
        programme_of_care,
        sex,
        {{ age('assessment_date') }} as age,
        -- a sum with any domain empty is empty: the assessment is left out of SCRQoL
        control + personal_care + food_drink + safety + social + occupation
        + accommodation + dignity as scrqol_current,
        control_expected + personal_care_expected + food_drink_expected + safety_expected
        + social_expected + occupation_expected + accommodation_expected
        + dignity_expected as scrqol_expected
    from assessments

),

final as (

    select
        org,
        period,
        assessment_id,
        person_key,
        assessment_date,
        instrument,
        satisfaction,
        lgd_code,
        programme_of_care,
        sex,
        age,
        scrqol_current,
        -- 1 extremely or 2 very satisfied (O4_SATISFIED_PCT); empty where not answered
        satisfaction in (1, 2) as is_satisfied,
        case when instrument = 'INT4' then scrqol_expected end as scrqol_expected,
        case when instrument = 'INT4' then scrqol_current - scrqol_expected end as scrqol_gain
    from scored

)

select * from final
