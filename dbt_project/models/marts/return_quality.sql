-- How good the returns are, one row per (collection, org, period) received: rows in and
-- quarantined, versions refused, resubmissions, days from the deadline to the accepted
-- version and whether it was on time. About returns, not people: no disclosure control.
with

return_quality as (

    select * from {{ ref('int_return_quality') }}

),

final as (

    select
        collection,
        org,
        period,
        cast(accepted_version as integer) as accepted_version,
        cast(versions_received as bigint) as versions_received,
        cast(resubmissions as bigint) as resubmissions,
        cast(refused_versions as bigint) as refused_versions,
        cast(rows_in as bigint) as rows_in,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(rows_quarantined_pct as double) as rows_quarantined_pct,
        cast(deadline as date) as deadline,
        first_received_at,
        accepted_at,
        cast(days_from_deadline as bigint) as days_from_deadline,
        on_time
    from return_quality

)

select * from final
