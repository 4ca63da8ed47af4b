-- One row per Outcomes Star reading: its area scores summed, and whether it scores every
-- area of its version ("complete", measures.md).
with

star as (

    select * from {{ ref('stg_star') }}

),

star_areas as (

    select * from {{ ref('star_areas') }}

),

version_areas as (

    select
        star_version,
        count(*) as area_count
    from star_areas
    group by star_version

),

readings as (

    select
        org,
        period,
        reading_id,
        person_key,
        star_version,
        reading_date,
        reading_number,
        count(distinct area_code) as areas_scored,
        sum(score) as score_total
    from star
    group by org, period, reading_id, person_key, star_version, reading_date, reading_number

),

final as (

    select
        readings.org,
        readings.period,
        readings.reading_id,
        readings.person_key,
        readings.star_version,
        readings.reading_date,
        readings.reading_number,
        readings.score_total,
        version_areas.area_count,
        readings.areas_scored = version_areas.area_count as is_complete
    from readings
    inner join version_areas on readings.star_version = version_areas.star_version

)

select * from final
