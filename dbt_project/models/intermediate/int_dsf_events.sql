-- One row per Delegated Statutory Functions event due in its period, with its on-time flag:
-- completed on or before due_date; an open event is not on time (measures.md). The person
-- fields place the event in the breakdowns.
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

select * from final
