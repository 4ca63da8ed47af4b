"""The ASCOT return: adult social care outcomes assessments, reassessed 2-4 quarters later."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contracts import reference
from pipelines.sample.columns import date_text, lookup, numbered_ids, person_columns, spec_text
from pipelines.sample.draws import draw_ages, pick
from pipelines.sample.journeys import journeys, start_year
from pipelines.sample.people import ADULT_AGES, DEFAULT_ADULT_AGES, draw_persons, locate, with_hcn

if TYPE_CHECKING:
    from pipelines.sample.context import Context

# ASCOT (brief; adult social care): ~3,000 assessments a quarter; reviews 2-4 quarters apart.
ASCOT_PER_QUARTER = 3_000
ASCOT_JOURNEY = (0.8, 5, {2: 0.2, 3: 0.3, 4: 0.5})
ASCOT_POC_WEIGHTS = {"POC4": 0.6, "POC5": 0.13, "POC6": 0.12, "POC7": 0.15}
INSTRUMENT_WEIGHTS = {"SCT4": 0.6, "INT4": 0.4}
INTERVIEW = "INT4"  # the instrument with `<domain>_expected`
ASCOT_EMPTY_DOMAIN = 0.03
SATISFACTION = (0.30, 0.33, 0.18, 0.08, 0.05, 0.04, 0.02)  # 1..7
SATISFACTION_EMPTY = 0.07
EXPECTED_DROP = (0.30, 0.45, 0.20, 0.05)  # expected = current - 0..3 (usually <= current)


def build(ctx: Context) -> pl.DataFrame:
    """ASCOT assessments (~3,000 a quarter), people reassessed 2-4 quarters later."""
    rng = ctx.rng("ascot")
    domains = reference.seed("ascot_domains").with_columns(pl.col("domain_order").cast(pl.Int32))
    domains = domains.sort("domain_order")["domain"].to_list()
    instruments = reference.codes("instrument")
    trust, start, contacts = journeys(ctx, rng, ASCOT_PER_QUARTER, ASCOT_JOURNEY)
    n = len(trust)
    poc = pick(rng, ctx.pocs, ASCOT_POC_WEIGHTS, n)
    age = np.empty(n)
    for p, poc_code in enumerate(ctx.pocs):
        mask = poc == p
        age[mask] = draw_ages(rng, ADULT_AGES.get(poc_code, DEFAULT_ADULT_AGES), mask.sum())
    birth_year = start_year(ctx, start) - age.astype(np.int64)
    persons = draw_persons(ctx, rng, trust, birth_year, poc, 0.58)
    level = rng.normal(1.9, 0.5, n)  # a person's usual state across domains (0-3)
    domain_effect = rng.normal(0, 0.5, (n, len(domains)))

    owner, quarter, number = contacts["owner"], contacts["q"], contacts["number"]
    m = len(owner)
    instrument = pick(rng, instruments, INSTRUMENT_WEIGHTS, m)
    interview = (
        instrument == instruments.index(INTERVIEW)
        if INTERVIEW in instruments
        else np.zeros(m, bool)
    )
    shape = (m, len(domains))
    current = level[owner, None] + domain_effect[owner] + 0.1 * (number[:, None] - 1)
    current = np.clip(np.rint(current + rng.normal(0, 0.5, shape)), 0, 3).astype(np.int64)
    drop = rng.choice(len(EXPECTED_DROP), shape, p=EXPECTED_DROP)
    drop = np.where(rng.random(shape) < 0.05, -1, drop)  # now and then: better without services
    expected = np.clip(current - drop, 0, 3)
    # ~3% of assessments have one domain value (current or expected) left empty
    empty = rng.random(m) < ASCOT_EMPTY_DOMAIN
    slots = np.where(interview, 2 * len(domains), len(domains))
    empty_slot = np.where(empty, (rng.random(m) * slots).astype(np.int64), -1)
    satisfaction = rng.choice(len(SATISFACTION), m, p=SATISFACTION) + 1

    values: dict[str, pl.Series] = {}
    for d, name in enumerate(domains):
        values[name] = pl.Series(current[:, d]).scatter(np.nonzero(empty_slot == d)[0], None)
        blank = ~interview | (empty_slot == len(domains) + d)
        values[f"{name}_expected"] = pl.Series(expected[:, d]).scatter(np.nonzero(blank)[0], None)
    values["satisfaction"] = pl.Series(satisfaction).scatter(
        np.nonzero(rng.random(m) < SATISFACTION_EMPTY)[0], None
    )
    records = pl.DataFrame({"pid": owner, "day": ctx.random_day(rng, quarter), "_q": quarter})
    records = records.with_columns(instrument=lookup(instruments, instrument), **values)
    records = locate(records, persons, "day")
    records = records.with_columns(
        worker_id=ctx.workers.allocate(
            records["_trust"].to_numpy(), quarter, records["_poc"].to_numpy(), owner
        )
    )
    records = with_hcn(ctx, records).sort("_trust", "day", "pid")
    records = records.with_columns(
        *person_columns(ctx),
        assessment_id=numbered_ids(ctx, records, "A"),
        assessment_date=date_text("day"),
    )
    return spec_text(ctx, records, "ascot", "day")
