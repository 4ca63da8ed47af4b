-- The categories of each breakdown dimension (measures.md, "Breakdowns"), from the seeds: a
-- breakdown has a row for every category of its dimension, 0 where nothing qualifies.
with

lgds as (

    select * from {{ ref('lgds') }}

),

programmes_of_care as (

    select * from {{ ref('programmes_of_care') }}

),

sexes as (

    select * from {{ ref('codes') }}
    where code_list = 'sex'

),

age_bands as (

    select * from {{ ref('person_age_bands') }}

),

final as (

    select
        'lgd' as dimension,
        lgd_code as category,
        lgd_name as category_label
    from lgds
    union all
    select
        'programme_of_care' as dimension,
        poc_code as category,
        poc_name as category_label
    from programmes_of_care
    union all
    select
        'sex' as dimension,
        code as category,
        code_label as category_label
    from sexes
    union all
    select
        'age_band' as dimension,
        age_band as category,
        age_band_label as category_label
    from age_bands

)

select * from final
