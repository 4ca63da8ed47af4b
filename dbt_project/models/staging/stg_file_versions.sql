with

source as (

    select * from {{ source('ingest', 'file_versions') }}

),

renamed as (

    select

        ---------- return
        cast(collection as varchar) as collection,
        cast(org as varchar) as org,
        cast(period as varchar) as period,
        cast(version as integer) as return_version,

        ---------- file
        cast(file_name as varchar) as file_name,
        cast(sha256 as varchar) as sha256,
        cast(received_at as timestamp) as received_at,
        cast(loaded_at as timestamp) as loaded_at,

        ---------- outcome
        cast(rows as bigint) as row_count,
        cast(loaded as bigint) as rows_loaded,
        cast(quarantined as bigint) as rows_quarantined,
        cast(is_current as boolean) as is_current,
        nullif(trim(cast(refused as varchar)), '') as refused_reason,
        nullif(trim(cast(warnings as varchar)), '') as warnings

    from source

),

final as (

    select
        *,
        refused_reason is not null as is_refused

    from renamed

)

select * from final
