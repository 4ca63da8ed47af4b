-- Per scope (org or REGION), period and (person, Star version) pair with a complete reading
-- in the period: the latest such reading against the pair's first reading (reading_number 1;
-- several: the earliest, ties the lower id). At REGION a pair's readings in every Trust count.
-- The progress measures count the pairs with `is_progress_pair`, at org level and in the
-- breakdowns, where the latest reading's person fields place the pair.
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
        area_count,
        lgd_code,
        programme_of_care,
        sex,
        age
    from complete_readings
    qualify row_number() over (
        partition by scope, period, person_key, star_version
        order by reading_date desc, reading_id desc, org desc
    ) = 1

),

lcm_areas as (

    select {{ area_lcm() }} as area_lcm

),

pairs as (

    select
        latest_in_period.scope,
        latest_in_period.period,
        latest_in_period.person_key,
        latest_in_period.star_version,
        latest_in_period.area_count,
        first_readings.first_score_total,
        latest_in_period.latest_score_total,
        latest_in_period.lgd_code,
        latest_in_period.programme_of_care,
        latest_in_period.sex,
        latest_in_period.age,
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

),

final as (

    select
        pairs.scope,
        pairs.period,
        pairs.person_key,
        pairs.star_version,
        pairs.area_count,
        pairs.first_score_total,
        pairs.latest_score_total,
        pairs.has_first_reading,
        pairs.latest_is_first,
        lcm_areas.area_lcm,
        pairs.lgd_code,
        pairs.programme_of_care,
        pairs.sex,
        pairs.age,
        -- a decimal, so that sums of it are exact: the same in every run
        cast(
            (pairs.latest_score_total - pairs.first_score_total) / pairs.area_count
            as decimal(38, 10)
        ) as distance,
        -- a pair with a first reading whose latest reading is not that first reading
        pairs.has_first_reading and not pairs.latest_is_first as is_progress_pair,
        -- the same version's area count on both sides: comparing totals compares means
        pairs.latest_score_total > pairs.first_score_total as is_improved,
        -- the distance exactly, in 1 / area_lcm units: a mean of distances rounds exactly
        (pairs.latest_score_total - pairs.first_score_total)
        * (lcm_areas.area_lcm // pairs.area_count) as distance_lcm_units
    from pairs
    cross join lcm_areas

)

select * from final
