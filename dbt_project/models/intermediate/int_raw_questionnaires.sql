-- One row per RAW questionnaire: complete when it answers all twelve items; RAW score = sum
-- of the items x 100 / 48 (measures.md). `score_total` keeps the exact integer. The young
-- person's fields place the questionnaire in the breakdowns.
with

raw as (

    select * from {{ ref('stg_raw') }}

),

raw_items as (

    select * from {{ ref('raw_items') }}

),

item_count as (

    select count(*) as items from raw_items

),

questionnaires as (

    select
        org,
        period,
        response_id,
        person_key,
        respondent,
        response_date,
        count(distinct item_code) as items_answered,
        sum(score) as score_total,
        -- the person fields repeat on every item row: the questionnaire's first row decides
        arg_min(lgd_code, source_row) as lgd_code,
        arg_min(sex, source_row) as sex,
        arg_min({{ age('response_date') }}, source_row) as age
    from raw
    group by org, period, response_id, person_key, respondent, response_date

),

final as (

    select
        questionnaires.org,
        questionnaires.period,
        questionnaires.response_id,
        questionnaires.person_key,
        questionnaires.respondent,
        questionnaires.response_date,
        questionnaires.lgd_code,
        questionnaires.sex,
        questionnaires.age,
        questionnaires.score_total,
        -- a decimal, so that sums of it are exact: the same in every run
        cast(questionnaires.score_total * 100.0 / 48 as decimal(38, 10)) as raw_score,
        questionnaires.items_answered = item_count.items as is_complete,
        -- what the RAW measures count: complete questionnaires of young people
        questionnaires.respondent = 'young_person'
        and questionnaires.items_answered = item_count.items as is_young_person_complete
    from questionnaires
    cross join item_count

)

select * from final
