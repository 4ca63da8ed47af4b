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

    select * from {{ source('returns', 'dsf') }}

),

renamed as (

    select

        ---------- return
        cast(org as varchar) as org,
        cast(period as varchar) as period,
        cast(version as integer) as return_version,
        cast(source_row as integer) as source_row,

        ---------- ids
        cast(event_id as varchar) as event_id,
        cast(person_key as varchar) as person_key,

        ---------- person
        cast(birth_year as integer) as birth_year,
        cast(sex as varchar) as sex,
        cast(lgd_code as varchar) as lgd_code,
        cast(programme_of_care as varchar) as programme_of_care,

        ---------- event
        cast(function_code as varchar) as function_code,
        cast(start_date as date) as start_date,
        cast(due_date as date) as due_date,
        cast(completed_date as date) as completed_date

    from source

),

final as (

    select
        *,
        completed_date is null as is_open

    from renamed

)

-- after a resubmission, only the slots it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
