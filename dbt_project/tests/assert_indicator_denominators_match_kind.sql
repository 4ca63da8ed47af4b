-- A count indicator has no denominator; a proportion indicator must have one (returns.md).
select
    ind.org,
    ind.period,
    ind.indicator_code,
    ref_ind.indicator_kind,
    ind.denominator
from {{ ref('stg_indicators') }} as ind
inner join {{ ref('indicators') }} as ref_ind
    on ind.indicator_code = ref_ind.indicator_code
where
    (ref_ind.indicator_kind = 'count' and ind.denominator is not null)
    or (ref_ind.indicator_kind = 'proportion' and ind.denominator is null)
