-- Measures of the data system, outside the four outcomes: how well the returns themselves
-- do, per org and for REGION (pooled over every org's returns, REGION's own included).
with

returns as (

    {{ with_region(ref('int_return_quality')) }}

),

by_org as (

    select
        scope as org,
        period,
        coalesce(sum(rows_quarantined), 0) as rows_quarantined,
        coalesce(sum(rows_in), 0) as rows_in,
        count(*) filter (on_time) as on_time,
        count(*) as received,
        count(accepted_version) as accepted
    from returns
    group by scope, period

),

final as (

    select
        'Q_ROWS_QUARANTINED_PCT' as measure_code,
        org,
        period,
        rows_quarantined as numerator,
        rows_in as denominator,
        {{ percent('rows_quarantined', 'rows_in') }} as value  -- noqa: RF04
    from by_org
    where accepted > 0
    union all
    select
        'Q_RETURNS_ON_TIME_PCT' as measure_code,
        org,
        period,
        on_time as numerator,
        received as denominator,
        {{ percent('on_time', 'received') }} as value  -- noqa: RF04
    from by_org

)

select * from final
