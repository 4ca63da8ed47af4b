{#-
    The measure catalog (seed `measures`) and the marts agree:
    - every catalog code that is not `breakdown_only` and whose `source_collection` has at
      least one loaded return is produced by some outcome mart (vacuous on an empty
      warehouse). O4_RETENTION_PCT is only expected once some Trust has loaded `workforce`
      snapshots for two consecutive quarters: measures.md gives it no row where the preceding
      quarter's snapshot is missing;
    - every code an outcome mart holds, or an outcome model computes (int_measures drops codes
      it cannot find in the catalog, so a new DSF function or indicator without a catalog row
      would otherwise vanish silently), is in the catalog, and not `breakdown_only`;
    - every (measure, dimension) of the catalog's `breakdowns` whose return is loaded is in
      `marts.breakdowns`, which holds no other;
    - every `how_much` measure broken down by `lgd` has its `<code>_PER_10K` rate in the
      catalog (int_breakdown_measures keeps only the rates the catalog lists).
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

),

computed_codes as (

    select distinct measure_code from {{ ref('int_outcome1_measures') }}
    union
    select distinct measure_code from {{ ref('int_outcome2_measures') }}
    union
    select distinct measure_code from {{ ref('int_outcome3_measures') }}
    union
    select distinct measure_code from {{ ref('int_outcome4_measures') }}

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
        and not catalog.breakdown_only

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
        where catalog.measure_code = all_codes.measure_code and not catalog.breakdown_only
    )

),

catalog_breakdowns as (

    select
        measure_code,
        source_collection,
        unnest(string_split(breakdowns, ' ')) as dimension
    from catalog
    where breakdowns is not null

),

breakdown_pairs as (

    select distinct
        measure_code,
        dimension
    from {{ ref('breakdowns') }}

),

missing_breakdowns as (

    select
        catalog_breakdowns.measure_code,
        'catalog breakdown by ' || catalog_breakdowns.dimension || ' with a loaded '
        || catalog_breakdowns.source_collection || ' return, not in marts.breakdowns' as problem
    from catalog_breakdowns
    inner join loaded_collections
        on catalog_breakdowns.source_collection = loaded_collections.collection
    where not exists (
        select 1 from breakdown_pairs
        where
            breakdown_pairs.measure_code = catalog_breakdowns.measure_code
            and breakdown_pairs.dimension = catalog_breakdowns.dimension
    )

),

unlisted_breakdowns as (

    select
        breakdown_pairs.measure_code,
        'breakdown by ' || breakdown_pairs.dimension || ' not in the catalog' as problem
    from breakdown_pairs
    where not exists (
        select 1 from catalog_breakdowns
        where
            catalog_breakdowns.measure_code = breakdown_pairs.measure_code
            and catalog_breakdowns.dimension = breakdown_pairs.dimension
    )

),

missing_rates as (

    select
        catalog_breakdowns.measure_code,
        'how_much count by lgd without its _PER_10K rate in the catalog' as problem
    from catalog_breakdowns
    inner join catalog on catalog_breakdowns.measure_code = catalog.measure_code
    where
        catalog_breakdowns.dimension = 'lgd'
        and catalog.oba_type = 'how_much'
        and not exists (
            select 1 from catalog as rates
            where rates.measure_code = catalog_breakdowns.measure_code || '_PER_10K'
        )

)

select * from missing_from_marts
union all
select * from not_in_catalog
union all
select * from missing_breakdowns
union all
select * from unlisted_breakdowns
union all
select * from missing_rates
