{#-
    The measure catalog (seed `measures`) and the marts agree:
    - every catalog code whose `source_collection` has at least one loaded return is produced
      by some mart (vacuous on an empty warehouse); a code outside the outcomes (`outcome`
      empty: a measure of the returns themselves) once any return is loaded. O4_RETENTION_PCT is only expected once some
      Trust has loaded `workforce` snapshots for two consecutive quarters: measures.md gives it
      no row where the preceding quarter's snapshot is missing;
    - every code a mart holds, or an outcome model computes (int_measures drops codes it cannot
      find in the catalog, so a new DSF function or indicator without a catalog row would
      otherwise vanish silently), is in the catalog.
-#}
with

catalog as (

    select * from {{ ref('measures') }}

),

loaded as (

    select * from {{ ref('int_loaded_returns') }}

),

mart_codes as (

    select distinct measure_code from {{ ref('outcome1') }}
    union
    select distinct measure_code from {{ ref('outcome2') }}
    union
    select distinct measure_code from {{ ref('outcome3') }}
    union
    select distinct measure_code from {{ ref('outcome4') }}
    union
    select distinct measure_code from {{ ref('return_quality_measures') }}

),

computed_codes as (

    select distinct measure_code from {{ ref('int_outcome1_measures') }}
    union
    select distinct measure_code from {{ ref('int_outcome2_measures') }}
    union
    select distinct measure_code from {{ ref('int_outcome3_measures') }}
    union
    select distinct measure_code from {{ ref('int_outcome4_measures') }}
    union
    select distinct measure_code from {{ ref('int_return_quality_measures') }}

),

loaded_collections as (

    select distinct collection from loaded

),

-- a Trust with this quarter's and the previous quarter's workforce snapshot loaded
consecutive_workforce as (

    select count(*) > 0 as has_consecutive
    from loaded
    inner join loaded as previous_loaded
        on
            loaded.collection = previous_loaded.collection
            and loaded.org = previous_loaded.org
            and {{ previous_period('loaded.period') }} = previous_loaded.period
    where loaded.collection = 'workforce' and loaded.org != 'REGION'

),

missing_from_marts as (

    select
        catalog.measure_code,
        'catalog code with a loaded ' || catalog.source_collection
        || ' return, in no mart' as problem
    from catalog
    inner join loaded_collections on catalog.source_collection = loaded_collections.collection
    cross join consecutive_workforce
    where
        not exists (
            select 1 from mart_codes
            where mart_codes.measure_code = catalog.measure_code
        )
        and (catalog.measure_code != 'O4_RETENTION_PCT' or consecutive_workforce.has_consecutive)

),

missing_returns_measures as (

    select
        catalog.measure_code,
        'catalog code of the returns themselves, with a return loaded, in no mart' as problem
    from catalog
    where
        catalog.outcome is null
        and exists (select 1 from loaded)
        and not exists (
            select 1 from mart_codes
            where mart_codes.measure_code = catalog.measure_code
        )

),

all_codes as (

    select measure_code from mart_codes
    union
    select measure_code from computed_codes

),

not_in_catalog as (

    select
        all_codes.measure_code,
        'code in a mart or outcome model, not in the measures catalog' as problem
    from all_codes
    where not exists (
        select 1 from catalog
        where catalog.measure_code = all_codes.measure_code
    )

)

select * from missing_from_marts
union all
select * from missing_returns_measures
union all
select * from not_in_catalog
