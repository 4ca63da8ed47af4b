-- Per scope (a Trust, or REGION pooling every Trust) and period, each person's latest
-- assessment with satisfaction given (measures.md, O4_SATISFIED_PCT). The org-level measure
-- and the breakdowns count these same rows; the chosen assessment's person fields place the
-- person.
with

assessments as (

    {{ with_region(ref('int_ascot_assessments')) }}

),

-- "latest": ties on date break on the higher id as text, then (REGION) the higher org
latest as (

    select * from assessments
    where satisfaction is not null
    qualify row_number() over (
        partition by scope, period, person_key
        order by assessment_date desc, assessment_id desc, org desc
    ) = 1

),

final as (

    select
        scope,
        period,
        person_key,
        org,
        assessment_id,
        assessment_date,
        satisfaction,
        is_satisfied,
        lgd_code,
        programme_of_care,
        sex,
        age
    from latest

)

select * from final
