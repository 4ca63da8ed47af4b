"""The Outcomes Star return: readings of each journey, one row per area, scores drifting up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contracts import reference
from pipelines.sample.columns import (
    as_codes,
    date_text,
    lookup,
    numbered_ids,
    person_columns,
    spec_text,
)
from pipelines.sample.draws import draw_ages, probabilities, within_group
from pipelines.sample.journeys import journeys, start_year
from pipelines.sample.people import draw_persons, locate, with_hcn

if TYPE_CHECKING:
    from pipelines.sample.context import Context

# Outcomes Star (brief): ~2,000 readings a quarter regionally, every 1-2 quarters,
# 1 + Poisson(2.5) readings a journey (at most 8).
STAR_READINGS_PER_QUARTER = 2_000


@dataclass(frozen=True)
class _StarVersion:
    poc: str
    share: float  # of journeys
    ages: tuple[int, int, int]  # (low, mode, high)
    female: float


STAR_VERSIONS = {
    "family_plus": _StarVersion("POC3", 0.45, (18, 32, 55), 0.8),  # completed with the parent
    "older_people": _StarVersion("POC4", 0.25, (65, 81, 99), 0.6),
    "recovery": _StarVersion("POC5", 0.30, (18, 38, 70), 0.45),
}
STAR_JOURNEY = (2.5, 8, {1: 0.6, 2: 0.4})  # extra readings (Poisson mean), most, gap weights


def build(ctx: Context) -> pl.DataFrame:
    """Outcomes Star readings (~2,000 a quarter), one row per area, scores drifting upward."""
    rng = ctx.rng("star")
    areas_by_version = reference.star_areas()
    versions = [
        v for v in areas_by_version if v in STAR_VERSIONS and STAR_VERSIONS[v].poc in ctx.pocs
    ]
    trust, start, contacts = journeys(ctx, rng, STAR_READINGS_PER_QUARTER, STAR_JOURNEY)
    n = len(trust)
    version = rng.choice(
        len(versions), n, p=probabilities(versions, {v: STAR_VERSIONS[v].share for v in versions})
    )
    poc = np.array([ctx.poc_index(STAR_VERSIONS[v].poc) for v in versions])[version]
    age = np.empty(n)
    female = np.empty(n)
    for i, v in enumerate(versions):
        mask = version == i
        age[mask] = draw_ages(rng, STAR_VERSIONS[v].ages, mask.sum())
        female[mask] = STAR_VERSIONS[v].female
    birth_year = start_year(ctx, start) - age.astype(np.int64)
    persons = draw_persons(ctx, rng, trust, birth_year, poc, female)
    n_areas = np.array([len(areas_by_version[v]) for v in versions])
    base = rng.normal(3.8, 1.0, n)  # most start "accepting help"
    step = rng.normal(0.6, 0.5, n)  # change per reading: upward on average
    area_effect = rng.normal(0, 1.0, (n, int(n_areas.max())))

    owner, quarter = contacts["owner"], contacts["q"]
    readings = pl.DataFrame(
        {
            "pid": owner,
            "reading_number": contacts["number"],
            "day": ctx.random_day(rng, quarter),
            "_q": quarter,
            "_version": version[owner],
        }
    )
    readings = locate(readings, persons, "day")
    readings = readings.with_columns(
        worker_id=ctx.workers.allocate(
            readings["_trust"].to_numpy(), quarter, readings["_poc"].to_numpy(), owner
        )
    )
    readings = with_hcn(ctx, readings).sort("_trust", "day", "pid", "_version")
    readings = readings.with_columns(reading_id=numbered_ids(ctx, readings, "R"))

    # one row per area of the version
    per = n_areas[readings["_version"].to_numpy()]
    row = np.repeat(np.arange(len(readings)), per)
    position = within_group(per)
    j = readings["pid"].to_numpy()[row]
    number = readings["reading_number"].to_numpy()[row]
    score = (
        base[j] + area_effect[j, position] + step[j] * (number - 1) + rng.normal(0, 0.7, len(row))
    )
    areas = [area for v in versions for area in areas_by_version[v]]
    first_area = np.cumsum(n_areas) - n_areas  # of each version, in `areas`
    area = first_area[readings["_version"].to_numpy()[row]] + position
    rows = readings[row].with_columns(
        *person_columns(ctx),
        area_code=lookup(areas, area),
        score=pl.Series(np.clip(np.rint(score), 1, 10).astype(np.int64)),
        star_version=as_codes("_version", versions),
        reading_date=date_text("day"),
    )
    return spec_text(ctx, rows, "star", "day")
