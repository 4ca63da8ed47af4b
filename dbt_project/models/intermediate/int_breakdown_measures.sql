-- The population-level breakdowns (measures.md, "Breakdowns"): one row per (measure,
-- dimension, category, period) before catalog and baselines, for REGION only. Each measure
-- counts the same qualifying rows as its REGION row in the outcome marts (people by their
-- deciding record, Star pairs by their latest reading, questionnaires, events); the category
-- is one more grouping key. Which measures are broken down by which dimension is the
-- catalog's `breakdowns` column; each `how_much` count by LGD also has a rate per 10,000.
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_scope',
        scope_columns=[none, 'period'],
    )
}}

with

loaded as (

    select * from {{ ref('int_loaded_returns') }}
    where org = 'REGION'

),

categories as (

    select * from {{ ref('int_breakdown_categories') }}

),

age_bands as (

    select * from {{ ref('person_age_bands') }}

),

catalog as (

    select * from {{ ref('measures') }}

),

lgd_population as (

    select * from {{ ref('lgd_population') }}

),

scored_people as (

    select * from {{ ref('int_ascot_scored_people') }}
    where scope = 'REGION'

),

satisfaction_people as (

    select * from {{ ref('int_ascot_satisfaction_people') }}
    where scope = 'REGION'

),

star_people as (

    select * from {{ ref('int_star_people') }}
    where scope = 'REGION'

),

progress_pairs as (

    select * from {{ ref('int_star_journeys') }}
    where scope = 'REGION' and is_progress_pair

),

-- REGION pools every org's questionnaires and events (macros/measures.sql, with_region)
young_people as (

    select * from {{ ref('int_raw_questionnaires') }}
    where is_young_person_complete

),

events as (

    select * from {{ ref('int_dsf_events') }}

),

lcm_areas as (

    select {{ area_lcm() }} as area_lcm

),

-- the return each group of qualifying rows is built from (its cells exist where REGION has a
-- row for the measures: any org loaded that return for the period), and whether its records
-- carry a programme of care (returns.md: RAW's do not, so RAW has no such breakdown)
bases as (

    select
        'ascot_scored' as basis,
        'ascot' as collection,
        true as has_programme_of_care
    union all
    select
        'ascot_satisfaction' as basis,
        'ascot' as collection,
        true as has_programme_of_care
    union all
    select
        'star_people' as basis,
        'star' as collection,
        true as has_programme_of_care
    union all
    select
        'star_pairs' as basis,
        'star' as collection,
        true as has_programme_of_care
    union all
    select
        'raw_young_people' as basis,
        'raw' as collection,
        false as has_programme_of_care
    union all
    select
        'dsf_events' as basis,
        'dsf' as collection,
        true as has_programme_of_care

),

-- every qualifying row with the fields that place it and what it adds up: `amount` to a sum,
-- `hit` to a count of those that qualify for a share (RAW has no programme of care)
qualifying as (

    select
        'ascot_scored' as basis,
        period,
        lgd_code,
        programme_of_care,
        sex,
        age,
        scrqol_current as amount,
        null as hit
    from scored_people
    union all
    select
        'ascot_satisfaction' as basis,
        period,
        lgd_code,
        programme_of_care,
        sex,
        age,
        null as amount,
        is_satisfied as hit
    from satisfaction_people
    union all
    select
        'star_people' as basis,
        period,
        lgd_code,
        programme_of_care,
        sex,
        age,
        null as amount,
        null as hit
    from star_people
    union all
    select
        'star_pairs' as basis,
        period,
        lgd_code,
        programme_of_care,
        sex,
        age,
        distance_lcm_units as amount,
        is_improved as hit
    from progress_pairs
    union all
    select
        'raw_young_people' as basis,
        period,
        lgd_code,
        null as programme_of_care,
        sex,
        age,
        score_total as amount,
        null as hit
    from young_people
    union all
    select
        'dsf_events' as basis,
        period,
        lgd_code,
        programme_of_care,
        sex,
        age,
        null as amount,
        is_on_time as hit
    from events

),

-- each qualifying row once in every dimension, in the category its own fields give
placed as (

    select
        basis,
        period,
        'lgd' as dimension,
        lgd_code as category,
        amount,
        hit
    from qualifying
    union all
    select
        basis,
        period,
        'programme_of_care' as dimension,
        programme_of_care as category,
        amount,
        hit
    from qualifying
    where programme_of_care is not null
    union all
    select
        basis,
        period,
        'sex' as dimension,
        sex as category,
        amount,
        hit
    from qualifying
    union all
    select
        qualifying.basis,
        qualifying.period,
        'age_band' as dimension,
        age_bands.age_band as category,
        qualifying.amount,
        qualifying.hit
    from qualifying
    inner join age_bands
        on
            qualifying.age >= age_bands.min_age
            and (qualifying.age <= age_bands.max_age or age_bands.max_age is null)

),

cells as (

    select
        bases.basis,
        loaded.period,
        categories.dimension,
        categories.category
    from loaded
    inner join bases on loaded.collection = bases.collection
    cross join categories
    where categories.dimension != 'programme_of_care' or bases.has_programme_of_care

),

aggregated as (

    select
        cells.basis,
        cells.period,
        cells.dimension,
        cells.category,
        count(placed.basis) as n,
        coalesce(sum(placed.amount), 0) as amount_sum,
        -- count_if over no rows (a left join that matched nothing) is null, not 0
        coalesce(count_if(placed.hit), 0) as hits
    from cells
    left join placed
        on
            cells.basis = placed.basis
            and cells.period = placed.period
            and cells.dimension = placed.dimension
            and cells.category = placed.category
    group by cells.basis, cells.period, cells.dimension, cells.category

),

measure_rows as (

    select
        'O1_ASCOT_PEOPLE' as measure_code,
        period,
        dimension,
        category,
        {{ measure_number('n') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('n') }} as value
    from aggregated
    where basis = 'ascot_scored'
    union all
    select
        'O1_ASCOT_SCRQOL_MEAN' as measure_code,
        period,
        dimension,
        category,
        {{ measure_number('amount_sum') }} as numerator,
        {{ measure_number('n') }} as denominator,
        {{ measure_number(mean('amount_sum', 'n')) }} as value
    from aggregated
    where basis = 'ascot_scored'
    union all
    select
        'O4_SATISFIED_PCT' as measure_code,
        period,
        dimension,
        category,
        {{ measure_number('hits') }} as numerator,
        {{ measure_number('n') }} as denominator,
        {{ measure_number(percent('hits', 'n')) }} as value
    from aggregated
    where basis = 'ascot_satisfaction'
    union all
    select
        'O1_STAR_PEOPLE' as measure_code,
        period,
        dimension,
        category,
        {{ measure_number('n') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('n') }} as value
    from aggregated
    where basis = 'star_people'
    union all
    select
        'O1_STAR_IMPROVED_PCT' as measure_code,
        period,
        dimension,
        category,
        {{ measure_number('hits') }} as numerator,
        {{ measure_number('n') }} as denominator,
        {{ measure_number(percent('hits', 'n')) }} as value
    from aggregated
    where basis = 'star_pairs'
    union all
    select
        'O1_STAR_DISTANCE_MEAN' as measure_code,
        aggregated.period,
        aggregated.dimension,
        aggregated.category,
        {{ measure_number('aggregated.amount_sum / lcm_areas.area_lcm') }} as numerator,
        {{ measure_number('aggregated.n') }} as denominator,
        {{
            measure_number(
                mean('aggregated.amount_sum', 'aggregated.n * lcm_areas.area_lcm')
            )
        }} as value
    from aggregated
    cross join lcm_areas
    where aggregated.basis = 'star_pairs'
    union all
    select
        'O1_RAW_YP_MEAN' as measure_code,
        period,
        dimension,
        category,
        -- the sum of the RAW scores (each item total x 100 / 48)
        {{ measure_number('amount_sum * 100.0 / 48') }} as numerator,
        {{ measure_number('n') }} as denominator,
        {{ measure_number(mean('amount_sum * 100', 'n * 48')) }} as value
    from aggregated
    where basis = 'raw_young_people'
    union all
    select
        'O3_DSF_DUE' as measure_code,
        period,
        dimension,
        category,
        {{ measure_number('n') }} as numerator,
        {{ measure_number('null') }} as denominator,
        {{ measure_number('n') }} as value
    from aggregated
    where basis = 'dsf_events'
    union all
    select
        'O3_DSF_ON_TIME_PCT' as measure_code,
        period,
        dimension,
        category,
        {{ measure_number('hits') }} as numerator,
        {{ measure_number('n') }} as denominator,
        {{ measure_number(percent('hits', 'n')) }} as value
    from aggregated
    where basis = 'dsf_events'

),

-- each LGD's population for a period: the year whose 30 June falls in the financial year
-- (the year the period's year starts in), else the latest earlier year
period_populations as (

    select
        periods.period,
        lgd_population.lgd_code,
        arg_max(lgd_population.population, lgd_population.year) as population
    from (select distinct period from measure_rows) as periods
    inner join lgd_population
        on lgd_population.year <= cast(left(periods.period, 4) as integer)
    group by periods.period, lgd_population.lgd_code

),

-- each how_much count by LGD per 10,000 residents: numerator the count, denominator the
-- population (empty, and no rate, where the seed has no year for the period)
rates as (

    select
        measure_rows.measure_code || '_PER_10K' as measure_code,
        measure_rows.period,
        measure_rows.dimension,
        measure_rows.category,
        measure_rows.numerator,
        {{ measure_number('period_populations.population') }} as denominator,
        {{
            measure_number(
                rounded_ratio(
                    'measure_rows.numerator', 'period_populations.population', 1, 10000
                )
            )
        }} as value
    from measure_rows
    inner join catalog on measure_rows.measure_code = catalog.measure_code
    left join period_populations
        on
            measure_rows.period = period_populations.period
            and measure_rows.category = period_populations.lgd_code
    where measure_rows.dimension = 'lgd' and catalog.oba_type = 'how_much'

),

-- the (measure, dimension) pairs the catalog breaks down: `breakdowns` lists dimensions
measure_dimensions as (

    select
        measure_code,
        unnest(string_split(breakdowns, ' ')) as dimension
    from catalog
    where breakdowns is not null

),

all_rows as (

    select * from measure_rows
    union all
    select * from rates

),

final as (

    select
        all_rows.measure_code,
        all_rows.dimension,
        all_rows.category,
        all_rows.period,
        all_rows.numerator,
        all_rows.denominator,
        all_rows.value
    from all_rows
    inner join measure_dimensions
        on
            all_rows.measure_code = measure_dimensions.measure_code
            and all_rows.dimension = measure_dimensions.dimension

)

-- after a resubmission, only the rows it can change (macros/scope.sql)
select * from final
where {{ in_scope(none, 'period') }}
