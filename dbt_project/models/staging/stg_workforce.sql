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

    select * from {{ source('returns', 'workforce') }}

),

renamed as (

    select

        ---------- return
        cast(org as varchar) as org,
        cast(period as varchar) as period,
        cast(version as integer) as return_version,
        cast(source_row as integer) as source_row,

        ---------- ids
        cast(worker_key as varchar) as worker_key,

        ---------- post
        cast(snapshot_date as date) as snapshot_date,
        cast(job_role as varchar) as job_role,
        cast(band as varchar) as band,
        cast(wte as double) as wte,
        cast(contract_type as varchar) as contract_type,
        cast(aye as boolean) as aye,
        cast(age_band as varchar) as age_band,
        cast(programme_of_care as varchar) as programme_of_care,

        ---------- quarter
        cast(contracted_days as integer) as contracted_days,
        cast(sickness_days as double) as sickness_days,
        cast(direct_work_hours as double) as direct_work_hours,
        cast(recruitment_days as integer) as recruitment_days

    from source

),

final as (

    select * from renamed

)

-- after a resubmission, only the slots it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
