{#-
    The breakdowns and REGION's rows agree (measures.md, "Breakdowns"). A person, Star pair,
    questionnaire or event is in exactly one category of a dimension, so for every measure the
    catalog breaks down (its `breakdowns` dimensions; not the rates) and every period REGION
    has a row for it:
    - every category of every dimension has a row, and there are no other rows;
    - the categories' numerators and denominators add up to REGION's (counts, a share's two
      counts, a mean's sum and count).
-#}
with

catalog as (

    select * from {{ ref('measures') }}

),

categories as (

    select * from {{ ref('int_breakdown_categories') }}

),

breakdown_rows as (

    select breakdowns.* from {{ ref('breakdowns') }} as breakdowns
    inner join catalog on breakdowns.measure_code = catalog.measure_code
    where not catalog.breakdown_only

),

region as (

    select * from {{ ref('int_measures') }}
    where org = 'REGION'

),

measure_dimensions as (

    select
        measure_code,
        unnest(string_split(breakdowns, ' ')) as dimension
    from catalog
    where breakdowns is not null and not breakdown_only

),

expected as (

    select
        region.measure_code,
        measure_dimensions.dimension,
        region.period,
        region.numerator,
        region.denominator,
        count(*) as categories
    from region
    inner join measure_dimensions on region.measure_code = measure_dimensions.measure_code
    inner join categories on measure_dimensions.dimension = categories.dimension
    group by
        region.measure_code,
        measure_dimensions.dimension,
        region.period,
        region.numerator,
        region.denominator

),

totals as (

    select
        measure_code,
        dimension,
        period,
        count(*) as categories,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from breakdown_rows
    group by measure_code, dimension, period

),

final as (

    select
        totals.categories,
        expected.categories as expected_categories,
        totals.numerator,
        expected.numerator as region_numerator,
        totals.denominator,
        expected.denominator as region_denominator,
        coalesce(expected.measure_code, totals.measure_code) as measure_code,
        coalesce(expected.dimension, totals.dimension) as dimension,
        coalesce(expected.period, totals.period) as period
    from expected
    full outer join totals
        on
            expected.measure_code = totals.measure_code
            and expected.dimension = totals.dimension
            and expected.period = totals.period
    where
        totals.categories is distinct from expected.categories
        or abs(totals.numerator - expected.numerator) > 1e-6
        or abs(coalesce(totals.denominator, 0) - coalesce(expected.denominator, 0)) > 1e-6

)

select * from final
