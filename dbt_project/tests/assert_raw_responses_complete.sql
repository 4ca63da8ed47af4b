-- A RAW questionnaire is loaded whole: it answers all twelve items (returns.md).
-- Warn only: the measures define "complete" themselves and must cope either way.
{{ config(severity='warn') }}

with

responses as (

    select
        org,
        period,
        response_id,
        count(distinct item_code) as items_answered
    from {{ ref('stg_raw') }}
    group by org, period, response_id

)

select
    org,
    period,
    response_id,
    items_answered
from responses
where items_answered <> (select count(*) as n_items from {{ ref('raw_items') }})
