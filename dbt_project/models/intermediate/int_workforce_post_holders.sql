-- One row per post holder of a quarter-end snapshot, with whether the same worker_key was a
-- post holder in the org's snapshot of the quarter before (for retention).
with

workforce as (

    select * from {{ ref('stg_workforce') }}

),

with_previous as (

    select
        *,
        {{ previous_period('period') }} as previous_period
    from workforce

),

final as (

    select
        with_previous.org,
        with_previous.period,
        with_previous.previous_period,
        with_previous.worker_key,
        -- decimals summed exactly: shares round on exact values
        cast(with_previous.wte as decimal(38, 10)) as wte,
        with_previous.contract_type,
        with_previous.aye,
        with_previous.band,
        with_previous.age_band,
        with_previous.contracted_days,
        cast(with_previous.sickness_days as decimal(38, 10)) as sickness_days,
        cast(with_previous.direct_work_hours as decimal(38, 10)) as direct_work_hours,
        with_previous.recruitment_days,
        next_quarter.worker_key is not null as is_in_next_quarter
    from with_previous
    left join with_previous as next_quarter
        on
            with_previous.org = next_quarter.org
            and with_previous.period = next_quarter.previous_period
            and with_previous.worker_key = next_quarter.worker_key

)

select * from final
