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

    select * from {{ source('returns', 'indicators') }}

),

renamed as (

    select

        ---------- return
        cast(org as varchar) as org,
        cast(period as varchar) as period,
        cast(version as integer) as return_version,
        cast(source_row as integer) as source_row,

        ---------- indicator
        cast(indicator_code as varchar) as indicator_code,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        nullif(trim(cast(note as varchar)), '') as note

    from source

),

final as (

    select * from renamed

)

-- after a resubmission, only the slots it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
