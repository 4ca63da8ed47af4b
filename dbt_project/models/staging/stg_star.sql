-- rebuilt by (org, period) slot after a resubmission (macros/scope.sql); a full build
-- (--full-refresh) makes the table anew, so a changed column never reaches on_schema_change
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_scope',
        scope_columns=['org', 'period'],
        on_schema_change='fail',
    )
}}

with

source as (

    select * from {{ source('returns', 'star') }}

),

renamed as (

    select

        ---------- return
        cast(org as varchar) as org,
        cast(period as varchar) as period,
        cast(version as integer) as return_version,
        cast(source_row as integer) as source_row,

        ---------- ids
        cast(reading_id as varchar) as reading_id,
        cast(person_key as varchar) as person_key,
        cast(worker_key as varchar) as worker_key,

        ---------- person
        cast(birth_year as integer) as birth_year,
        cast(sex as varchar) as sex,
        cast(lgd_code as varchar) as lgd_code,
        cast(programme_of_care as varchar) as programme_of_care,

        ---------- reading
        cast(star_version as varchar) as star_version,
        cast(reading_date as date) as reading_date,
        cast(reading_number as integer) as reading_number,
        cast(area_code as varchar) as area_code,
        cast(score as integer) as score

    from source

),

final as (

    select
        *,
        cast(year(reading_date) as integer) as reading_year,
        reading_number = 1 as is_baseline_reading

    from renamed

)

-- after a resubmission, only the slots it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
