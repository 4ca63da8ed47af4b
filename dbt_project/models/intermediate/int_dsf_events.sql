-- One row per Delegated Statutory Functions event due in its period, with its on-time flag:
-- completed on or before due_date; an open event is not on time (measures.md).
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
        coalesce(completed_date <= due_date, false) as is_on_time
    from dsf

)

select * from final
