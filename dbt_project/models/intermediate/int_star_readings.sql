-- One row per Outcomes Star reading: its area scores summed, and whether it scores every
-- area of its version ("complete", measures.md), with the person fields that place it in the
-- breakdowns.
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
        sum(score) as score_total,
        -- the person fields repeat on every area row: the reading's first row decides
        arg_min(lgd_code, source_row) as lgd_code,
        arg_min(programme_of_care, source_row) as programme_of_care,
        arg_min(sex, source_row) as sex,
        arg_min({{ age('reading_date') }}, source_row) as age
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
        readings.lgd_code,
        readings.programme_of_care,
        readings.sex,
        readings.age,
        version_areas.area_count,
        readings.areas_scored = version_areas.area_count as is_complete
    from readings
    inner join version_areas on readings.star_version = version_areas.star_version

)

select * from final
