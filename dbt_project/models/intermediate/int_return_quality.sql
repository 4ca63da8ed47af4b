-- How good each return was (not the people in it): one row per (collection, org, period)
-- received. The accepted version is the current one (loaded, not refused); a return whose
-- versions were all refused has none, and is not on time.
with

file_versions as (

    select * from {{ ref('stg_file_versions') }}

),

received as (

    select
        collection,
        org,
        period,
        count(distinct return_version) as versions_received,
        count(distinct return_version) filter (is_refused) as refused_versions,
        min(received_at) as first_received_at
    from file_versions
    group by collection, org, period

),

accepted as (

    select
        collection,
        org,
        period,
        return_version as accepted_version,
        received_at as accepted_at,
        row_count as rows_in,
        rows_loaded,
        rows_quarantined
    from file_versions
    where is_current and not is_refused

),

joined as (

    select
        received.collection,
        received.org,
        received.period,
        received.versions_received,
        received.refused_versions,
        received.first_received_at,
        accepted.accepted_version,
        accepted.accepted_at,
        accepted.rows_in,
        accepted.rows_loaded,
        accepted.rows_quarantined,
        {{ submission_deadline('received.period') }} as deadline
    from received
    left join accepted
        on
            received.collection = accepted.collection
            and received.org = accepted.org
            and received.period = accepted.period

),

final as (

    select
        collection,
        org,
        period,
        accepted_version,
        versions_received,
        versions_received - 1 as resubmissions,
        refused_versions,
        rows_in,
        rows_loaded,
        rows_quarantined,
        {{ percent('rows_quarantined', 'rows_in') }} as rows_quarantined_pct,
        deadline,
        first_received_at,
        accepted_at,
        date_diff('day', deadline, cast(accepted_at as date)) as days_from_deadline,
        coalesce(cast(accepted_at as date) <= deadline, false) as on_time
    from joined

)

select * from final
