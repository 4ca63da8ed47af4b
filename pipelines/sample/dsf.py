"""The DSF return: statutory events (CP conferences, LAC reviews, one-off assessments) due in
each period, and when they were completed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contracts import reference
from pipelines.sample.columns import date_text, numbered_ids, person_columns, spec_text
from pipelines.sample.context import DAYS_PER_QUARTER, calendar_year
from pipelines.sample.draws import draw_ages, pick, within_group
from pipelines.sample.people import (
    ADULT_AGES,
    CHILDREN_POC,
    DEFAULT_ADULT_AGES,
    draw_persons,
    locate,
    with_hcn,
)

if TYPE_CHECKING:
    from pipelines.sample.context import Context

# DSF (brief; after DoH "Children's Social Care Statistics for NI" and the DSF reports): ~500
# initial child protection case conferences a quarter and ~2,200 children on the child protection
# register; ~4,000 children looked after (~1,000 starting each year); adult safeguarding
# investigations ~900, ASW assessments ~1,200 and carers' assessments offered ~2,500 a quarter.
CP_ICPC, CP_REVIEW, LAC_REVIEW = "CP_ICPC", "CP_REVIEW", "LAC_REVIEW"
CP_ICPC_PER_QUARTER = 500
CP_REGISTERED_SHARE = 0.85  # conferences that register the child
CP_MEAN_DAYS_REGISTERED = 470  # 500 x 0.85 x 470 / 91 = ~2,200 on the register
CP_REVIEW_DAYS = ((91,), 182)  # first review within 3 months, then every 6 months (~1,100/q)
LAC_ENTRIES_PER_QUARTER = 230
LAC_SHORT_SHARE, LAC_SHORT_DAYS, LAC_LONG_DAYS = 0.3, 120, 2_600  # ~4,000 in care at any time
LAC_REVIEW_DAYS = ((28, 119), 182)  # within 28 days, 3 months later, then 6-monthly (~2,000/q)
DAYS_PER_YEAR = 365.25  # for children's ages and 18th birthdays


@dataclass(frozen=True)
class _OneOff:
    """A DSF function whose events come at a steady rate (not a schedule of reviews)."""

    per_quarter: int
    lag_days: tuple[int, int]  # from start (referral, request) to due
    pool_per_event: float  # people per event over the periods: fewer means more repeats
    poc_weights: dict[str, float]
    female: float
    ages: tuple[int, int, int] | None = None  # (low, mode, high); None: by programme of care


ONE_OFF_EVENTS = {
    "ASG_INVESTIGATION": _OneOff(
        900, (14, 42), 3.0, {"POC4": 0.6, "POC5": 0.15, "POC6": 0.12, "POC7": 0.13}, 0.55
    ),
    "MH_ASW_ASSESSMENT": _OneOff(1_200, (1, 3), 1.5, {"POC5": 1.0}, 0.45),
    "CARER_ASSESSMENT": _OneOff(  # the carer is the person
        2_500,
        (21, 35),
        2.0,
        {"POC4": 0.65, "POC5": 0.10, "POC6": 0.12, "POC7": 0.13},
        0.65,
        ages=(25, 58, 90),
    ),
}
ON_TIME = {  # share of events completed on or before the due date (DSF reports: 80-90%)
    CP_ICPC: 0.80,
    CP_REVIEW: 0.92,
    LAC_REVIEW: 0.86,
    "ASG_INVESTIGATION": 0.82,
    "MH_ASW_ASSESSMENT": 0.90,
    "CARER_ASSESSMENT": 0.84,
}
DEFAULT_ON_TIME = 0.85
OPEN_SHARE = 0.05  # still open at period end
LATE_REPORTED_DAYS = 28  # completions this long after period end still make the return


def build(ctx: Context) -> pl.DataFrame:
    """Statutory events due in each period: CP conferences, LAC reviews and one-off events."""
    rng = ctx.rng("dsf")
    functions = reference.column("dsf_functions", "function_code")
    parts = []  # (persons, events) per kind of event; person ids are per part
    if CHILDREN_POC in ctx.pocs and {CP_ICPC, CP_REVIEW} & set(functions):
        parts.append(_child_protection(ctx, rng, functions))
    if CHILDREN_POC in ctx.pocs and LAC_REVIEW in functions:
        parts.append(_looked_after(ctx, rng))
    parts += [_one_off(ctx, rng, code) for code in functions if code in ONE_OFF_EVENTS]
    persons, events, offset = [], [], 0
    for persons_, events_ in parts:
        persons.append(persons_.with_columns(pl.col("pid") + offset))
        events.append(events_.with_columns(pl.col("pid") + offset))
        offset += len(persons_)
    records = pl.concat(events).with_row_index("_seq")  # _seq: a tie-break for sorting
    records = locate(records, pl.concat(persons), "due")
    records = records.with_columns(completed=_completed(ctx, rng, records))
    records = with_hcn(ctx, records).sort("_trust", "due", "pid", "_seq")
    records = records.with_columns(
        *person_columns(ctx),
        event_id=numbered_ids(ctx, records, "E"),
        start_date=date_text("start"),
        due_date=date_text("due"),
        completed_date=date_text("completed"),
    )
    return spec_text(ctx, records, "dsf", "due")


def _schedule(anchor, end, fixed: tuple[int, ...], every: int, lo: int, hi: int):
    """Reviews due at ``anchor + fixed[i]``, then every ``every`` days, while before ``end``.

    Returns (owner, due, start) for reviews due in [lo, hi); a review's clock starts at the
    previous conference (the anchor for the first).
    """
    owners, dues, starts = [], [], []
    previous = anchor
    for offset in fixed:
        due = anchor + offset
        keep = (due < end) & (due >= lo) & (due < hi)
        owners.append(np.nonzero(keep)[0])
        dues.append(due[keep])
        starts.append(previous[keep])
        previous = due
    base = anchor + fixed[-1]
    k_lo = np.maximum(1, -((base - lo) // every))  # ceil((lo - base) / every)
    k_hi = (np.minimum(end, hi) - 1 - base) // every
    n = np.clip(k_hi - k_lo + 1, 0, None)
    owner = np.repeat(np.arange(len(anchor)), n)
    due = base[owner] + every * (k_lo[owner] + within_group(n))
    owners.append(owner)
    dues.append(due)
    starts.append(due - every)
    return np.concatenate(owners), np.concatenate(dues), np.concatenate(starts)


def _children(ctx: Context, rng, entries_per_quarter: float, history_days: int, age_mode: float):
    """Children entering a process (Poisson per Trust) from ``history_days`` before the first
    period to the last: (Trust, entry day, birth day)."""
    first = ctx.lo - history_days
    quarters = (ctx.hi - first) / DAYS_PER_QUARTER
    counts = rng.poisson(entries_per_quarter * ctx.scale * ctx.share * quarters)
    trust = np.repeat(np.arange(len(ctx.trusts)), counts)
    entry = first + (rng.random(len(trust)) * (ctx.hi - first)).astype(np.int64)
    age_days = (rng.triangular(0, age_mode, 18, len(trust)) * DAYS_PER_YEAR).astype(np.int64)
    return trust, entry, entry - age_days


def _child_persons(ctx: Context, rng, trust, birth) -> pl.DataFrame:
    birth_year = calendar_year(birth)
    return draw_persons(ctx, rng, trust, birth_year, ctx.poc_index(CHILDREN_POC), 0.5)


def _child_protection(ctx: Context, rng, functions) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Initial conferences (~500/q) and review conferences of registered children (~1,100/q)."""
    trust, icpc, birth = _children(ctx, rng, CP_ICPC_PER_QUARTER, 4 * 365, 4.0)
    n = len(trust)
    registered = rng.random(n) < CP_REGISTERED_SHARE
    shape = 1.5
    length = rng.gamma(shape, CP_MEAN_DAYS_REGISTERED / shape, n).astype(np.int64)
    end = np.where(registered, np.minimum(icpc + length, birth + int(18 * DAYS_PER_YEAR)), icpc)
    parts = []
    if CP_ICPC in functions:
        keep = np.nonzero((icpc >= ctx.lo) & (icpc < ctx.hi))[0]
        # strategy discussion to conference: within 15 working days
        lead = rng.integers(10, 26, len(keep))
        parts.append((keep, icpc[keep], icpc[keep] - lead, CP_ICPC))
    if CP_REVIEW in functions:
        fixed, every = CP_REVIEW_DAYS
        owner, due, start = _schedule(icpc, end, fixed, every, ctx.lo, ctx.hi)
        parts.append((owner, due, start, CP_REVIEW))
    return _child_persons(ctx, rng, trust, birth), _events(parts)


def _looked_after(ctx: Context, rng) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reviews of looked-after children (~2,000/q), in care until they go home or turn 18."""
    trust, entry, birth = _children(ctx, rng, LAC_ENTRIES_PER_QUARTER, 18 * 365, 2.0)
    n = len(trust)
    mean = np.where(rng.random(n) < LAC_SHORT_SHARE, LAC_SHORT_DAYS, LAC_LONG_DAYS)
    end = np.minimum(
        entry + rng.exponential(mean).astype(np.int64), birth + int(18 * DAYS_PER_YEAR)
    )
    fixed, every = LAC_REVIEW_DAYS
    owner, due, start = _schedule(entry, end, fixed, every, ctx.lo, ctx.hi)
    return _child_persons(ctx, rng, trust, birth), _events([(owner, due, start, LAC_REVIEW)])


def _one_off(ctx: Context, rng, code: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events due at a steady rate; people drawn from a pool, so some come back."""
    kind = ONE_OFF_EVENTS[code]
    counts = ctx.per_trust_quarter(rng, kind.per_quarter, ctx.n_periods)
    trust = np.repeat(np.arange(len(ctx.trusts)), counts.sum(axis=1))
    quarter = np.concatenate([np.repeat(np.arange(ctx.n_periods), row) for row in counts])
    due = ctx.random_day(rng, quarter)
    start = due - rng.integers(kind.lag_days[0], kind.lag_days[1] + 1, len(due))
    pool = np.maximum(np.ceil(counts.sum(axis=1) * kind.pool_per_event), 1).astype(np.int64)
    pool_start = np.cumsum(pool) - pool
    owner = pool_start[trust] + (rng.random(len(trust)) * pool[trust]).astype(np.int64)
    person_trust = np.repeat(np.arange(len(ctx.trusts)), pool)
    poc = pick(rng, ctx.pocs, kind.poc_weights, len(person_trust))
    age = np.empty(len(poc))
    for p, poc_code in enumerate(ctx.pocs):
        mask = poc == p
        age[mask] = draw_ages(
            rng, kind.ages or ADULT_AGES.get(poc_code, DEFAULT_ADULT_AGES), mask.sum()
        )
    birth_year = calendar_year(np.array([ctx.lo])) - age.astype(np.int64)
    persons = draw_persons(ctx, rng, person_trust, birth_year, poc, kind.female)
    return persons, _events([(owner, due, start, code)])


EVENT_SCHEMA = {"pid": pl.Int64, "due": pl.Int64, "start": pl.Int64, "function_code": pl.String}


def _events(parts) -> pl.DataFrame:
    """(person, due day, start day, function) rows from (owners, dues, starts, code) parts."""
    frames = [
        pl.DataFrame(
            {"pid": owner, "due": due, "start": start, "function_code": [code] * len(owner)},
            schema=EVENT_SCHEMA,
        )
        for owner, due, start, code in parts
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=EVENT_SCHEMA)


def _completed(ctx: Context, rng, records: pl.DataFrame) -> pl.Series:
    """Mostly on time, some late, ~5% open; late completions after the return was due are open."""
    start, due = records["start"].to_numpy(), records["due"].to_numpy()
    n = len(due)
    on_time = records["function_code"].replace_strict(ON_TIME, default=DEFAULT_ON_TIME).to_numpy()
    trust_effect = rng.normal(0, 0.03, len(ctx.trusts))[records["_trust"].to_numpy()]
    u = rng.random(n)
    is_open = u < OPEN_SHARE
    in_time = ~is_open & (u < OPEN_SHARE + np.clip(on_time + trust_effect, 0, 1 - OPEN_SHARE))
    early = np.minimum(rng.integers(0, 15, n), due - start)
    late = rng.geometric(0.08, n)
    done = np.where(in_time, due - early, due + late)
    period_end = ctx.bounds[np.clip(ctx.quarter_of(due), 0, ctx.n_periods - 1) + 1] - 1
    is_open |= done > period_end + LATE_REPORTED_DAYS
    return pl.Series("completed", done).scatter(np.nonzero(is_open)[0], None)
