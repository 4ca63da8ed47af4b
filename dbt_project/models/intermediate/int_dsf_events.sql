-- One row per Delegated Statutory Functions event due in its period, with its on-time flag:
-- completed on or before due_date; an open event is not on time (measures.md). The person
-- fields place the event in the breakdowns.
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

dsf as (

    select * from {{ ref('stg_dsf') }}

),

final as (

    select
        org,
        period,
        event_id,
        function_code,
        due_date,
        completed_date,
        lgd_code,
        programme_of_care,
        sex,
        {{ age('due_date') }} as age,
        coalesce(completed_date <= due_date, false) as is_on_time
    from dsf

)

-- after a resubmission, only the slots it can change (macros/scope.sql)
select * from final
where {{ in_scope('org', 'period') }}
