-- Which returns each org loaded for each period (a nil return counts), and REGION where any
-- org did: a measure has a row exactly where the return it is built from was loaded.
with

file_versions as (

    select * from {{ ref('stg_file_versions') }}

),

loaded as (

    select distinct
        collection,
        org,
        period
    from file_versions
    where is_current and not is_refused

),

final as (

    select
        collection,
        org,
        period
    from loaded
    union
    select
        collection,
        'REGION' as org,
        period
    from loaded

)

select * from final
