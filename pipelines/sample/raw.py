"""The RAW return: relationship questionnaires of young people in care and their social workers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contracts import reference
from pipelines.sample.columns import date_text, lookup, numbered_ids, person_columns, spec_text
from pipelines.sample.journeys import journeys, start_year
from pipelines.sample.people import CHILDREN_POC, draw_persons, locate, with_hcn

if TYPE_CHECKING:
    from pipelines.sample.context import Context

# RAW (brief): ~800 young people in care a quarter answer; their social worker answers too.
RAW_PER_QUARTER = 800
RAW_JOURNEY = (1.2, 5, {1: 0.5, 2: 0.5})
YOUNG_PERSON, SOCIAL_WORKER = "young_person", "social_worker"
RAW_MAX_AGE = 21


def build(ctx: Context) -> pl.DataFrame:
    """RAW questionnaires (~800 young people a quarter, and their social workers), 12 items."""
    rng = ctx.rng("raw")
    items = reference.seed("raw_items").with_columns(pl.col("item_order").cast(pl.Int32))
    items = items.sort("item_order")["item_code"].to_list()
    respondents = reference.codes("respondent")
    trust, start, contacts = journeys(ctx, rng, RAW_PER_QUARTER, RAW_JOURNEY)
    n = len(trust)
    age = rng.triangular(8, 15, 19, n).astype(np.int64)
    children = ctx.poc_index(CHILDREN_POC) if CHILDREN_POC in ctx.pocs else 0
    persons = draw_persons(ctx, rng, trust, start_year(ctx, start) - age, children, 0.5)
    level = rng.normal(3.0, 0.55, n)  # how the young person rates the relationship (0-4)
    item_effect = rng.normal(0, 0.3, len(items))

    owner, quarter = contacts["owner"], contacts["q"]
    day = ctx.random_day(rng, quarter)
    sw_day = np.minimum(day + rng.integers(0, 15, len(day)), ctx.bounds[quarter + 1] - 1)
    pairs = pl.DataFrame({"pid": owner, "day": day, "_sw_day": sw_day, "_q": quarter})
    pairs = locate(pairs, persons, "day")
    pairs = pairs.filter(
        pl.col("day").cast(pl.Int32).cast(pl.Date).dt.year() - pl.col("birth_year") <= RAW_MAX_AGE
    )
    pairs = pairs.with_columns(
        worker_id=ctx.workers.allocate(
            pairs["_trust"].to_numpy(),
            pairs["_q"].to_numpy(),
            pairs["_poc"].to_numpy(),
            pairs["pid"].to_numpy(),
        ),
        _sw_level=pl.Series(rng.normal(0.2, 0.3, len(pairs))),
    )
    wanted = [r for r in (YOUNG_PERSON, SOCIAL_WORKER) if r in respondents]
    questionnaires = pl.concat(
        [
            pairs.with_columns(
                respondent=pl.lit(r),
                _respondent=pl.lit(i),
                day=pl.col("day") if r == YOUNG_PERSON else pl.col("_sw_day"),
            )
            for i, r in enumerate(wanted)
        ]
    )
    questionnaires = with_hcn(ctx, questionnaires).sort("_trust", "day", "pid", "_respondent")
    questionnaires = questionnaires.with_columns(response_id=numbered_ids(ctx, questionnaires, "Q"))

    row = np.repeat(np.arange(len(questionnaires)), len(items))
    position = np.tile(np.arange(len(items)), len(questionnaires))
    pid = questionnaires["pid"].to_numpy()[row]
    worker_view = questionnaires["respondent"].to_numpy() == SOCIAL_WORKER
    lift = np.where(worker_view, questionnaires["_sw_level"].to_numpy(), 0.0)
    score = level[pid] + lift[row] + item_effect[position] + rng.normal(0, 0.6, len(row))
    rows = questionnaires[row].with_columns(
        *person_columns(ctx),
        item_code=lookup(items, position),
        score=pl.Series(np.clip(np.rint(score), 0, 4).astype(np.int64)),
        response_date=date_text("day"),
    )
    return spec_text(ctx, rows, "raw", "day")
