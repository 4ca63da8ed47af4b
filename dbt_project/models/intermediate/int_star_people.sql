-- Per scope (a Trust, or REGION pooling every Trust) and period, each person with a complete
-- Star reading in the period, by their latest complete reading (measures.md: ties on date
-- break on the higher id as text, then the higher org). O1_STAR_PEOPLE counts these rows, at
-- org level and in the breakdowns; the chosen reading's person fields place the person.
with

readings as (

    {{ with_region(ref('int_star_readings')) }}

),

latest as (

    select * from readings
    where is_complete
    qualify row_number() over (
        partition by scope, period, person_key
        order by reading_date desc, reading_id desc, org desc
    ) = 1

),

final as (

    select
        scope,
        period,
        person_key,
        org,
        reading_id,
        reading_date,
        lgd_code,
        programme_of_care,
        sex,
        age
    from latest

)

select * from final
