-- A Star reading is loaded whole: it scores every area of its version (returns.md).
-- Warn only: the measures define "complete" themselves and must cope either way.
{{ config(severity='warn') }}

with

readings as (

    select
        org,
        period,
        reading_id,
        star_version,
        count(distinct area_code) as areas_scored
    from {{ ref('stg_star') }}
    group by org, period, reading_id, star_version

),

areas as (

    select
        star_version,
        count(*) as areas_in_version
    from {{ ref('star_areas') }}
    group by star_version

)

select
    readings.org,
    readings.period,
    readings.reading_id,
    readings.star_version,
    readings.areas_scored,
    areas.areas_in_version
from readings
inner join areas
    on readings.star_version = areas.star_version
where readings.areas_scored <> areas.areas_in_version
