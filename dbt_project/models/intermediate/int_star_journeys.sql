-- Per scope (org or REGION), period and (person, Star version) pair with a complete reading
-- in the period: the latest such reading against the pair's first reading (reading_number 1;
-- several: the earliest, ties the lower id). At REGION a pair's readings in every Trust count.
with

readings as (

    {{ with_region(ref('int_star_readings')) }}

),

complete_readings as (

    select * from readings
    where is_complete

),

first_readings as (

    select
        scope,
        person_key,
        star_version,
        org as first_org,
        reading_id as first_reading_id,
        score_total as first_score_total
    from complete_readings
    where reading_number = 1
    qualify row_number() over (
        partition by scope, person_key, star_version
        order by reading_date asc, reading_id asc, org asc
    ) = 1

),

latest_in_period as (

    select
        scope,
        period,
        person_key,
        star_version,
        org as latest_org,
        reading_id as latest_reading_id,
        score_total as latest_score_total,
        area_count
    from complete_readings
    qualify row_number() over (
        partition by scope, period, person_key, star_version
        order by reading_date desc, reading_id desc, org desc
    ) = 1

),

final as (

    select
        latest_in_period.scope,
        latest_in_period.period,
        latest_in_period.person_key,
        latest_in_period.star_version,
        latest_in_period.area_count,
        first_readings.first_score_total,
        latest_in_period.latest_score_total,
        first_readings.first_reading_id is not null as has_first_reading,
        coalesce(
            latest_in_period.latest_org = first_readings.first_org
            and latest_in_period.latest_reading_id = first_readings.first_reading_id,
            false
        ) as latest_is_first
    from latest_in_period
    left join first_readings
        on
            latest_in_period.scope = first_readings.scope
            and latest_in_period.person_key = first_readings.person_key
            and latest_in_period.star_version = first_readings.star_version

)

select * from final
