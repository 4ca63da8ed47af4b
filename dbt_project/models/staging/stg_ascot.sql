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

    select * from {{ source('returns', 'ascot') }}

),

renamed as (

    select

        ---------- return
        cast(org as varchar) as org,
        cast(period as varchar) as period,
        cast(version as integer) as return_version,
        cast(source_row as integer) as source_row,

        ---------- ids
        cast(assessment_id as varchar) as assessment_id,
        cast(person_key as varchar) as person_key,
        cast(worker_key as varchar) as worker_key,

        ---------- person
        cast(birth_year as integer) as birth_year,
        cast(sex as varchar) as sex,
        cast(lgd_code as varchar) as lgd_code,
        cast(programme_of_care as varchar) as programme_of_care,

        ---------- assessment
        cast(assessment_date as date) as assessment_date,
        cast(instrument as varchar) as instrument,

        ---------- current state of each domain (0-3)
        cast(control as integer) as control,
        cast(personal_care as integer) as personal_care,
        cast(food_drink as integer) as food_drink,
        cast(safety as integer) as safety,
        cast(social as integer) as social,
        cast(occupation as integer) as occupation,
        cast(accommodation as integer) as accommodation,
        cast(dignity as integer) as dignity,

        ---------- expected state without services (0-3, INT4 only)
        cast(control_expected as integer) as control_expected,
        cast(personal_care_expected as integer) as personal_care_expected,
        cast(food_drink_expected as integer) as food_drink_expected,
        cast(safety_expected as integer) as safety_expected,
        cast(social_expected as integer) as social_expected,
        cast(occupation_expected as integer) as occupation_expected,
        cast(accommodation_expected as integer) as accommodation_expected,
        cast(dignity_expected as integer) as dignity_expected,

        ---------- satisfaction (1-7)
        cast(satisfaction as integer) as satisfaction

    from source

),

final as (

    -- Typing only: SCRQoL scoring belongs to the intermediate models.
    select * from renamed

)

-- after a resubmission, only the slots it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
