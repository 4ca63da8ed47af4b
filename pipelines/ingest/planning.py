"""A regional load: the runs that bring the warehouse up to date with the landing folder.

``sws load``, the landing sensor and the quarterly refresh plan with ``plan_load``; the runs
are executed by Dagster (``pipelines.defs.runs``) on the jobs named here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from contracts.files import ReturnFile, orgs_submitting
from contracts.periods import accepted_periods
from pipelines.dbt_files import last_build_is_current
from pipelines.ingest.file_versions import is_loaded, recorded_digests, recorded_versions
from pipelines.ingest.landing import Slot, discover
from pipelines.settings import Settings, landing_settle_seconds
from pipelines.warehouse import connect

BUILD_MODELS_JOB = "build_models"
REGION = "REGION"
# a Star pair's first reading (reading_number 1) may sit in a later period than its latest
# reading (measures.md): a Star slot can change an org's rows of any period
REACHES_BACK = frozenset({"star"})


def ingest_job_name(collection: str) -> str:
    """The job that loads a block of a return's (org, period) partitions."""
    return f"ingest_{collection}"


def land_job_name(collection: str) -> str:
    """The job that loads one new return and rebuilds the models downstream of it."""
    return f"land_{collection}"


@dataclass(frozen=True)
class Scope:
    """The measure rows a load's changed slots can change: rows of these orgs (REGION pools
    every org) from this period on (None: every period). A slot feeds only its own org's
    and REGION's rows, and first readings, baselines and retention reach forward; the
    incremental measure models rebuild only these rows (dbt_project/macros/scope.sql)."""

    orgs: tuple[str, ...]
    from_period: str | None

    @classmethod
    def of(cls, slots: Iterable[Slot]) -> Scope:
        slots = list(slots)
        reaches_back = any(collection in REACHES_BACK for collection, _, _ in slots)
        return cls(
            orgs=tuple(sorted({org for _, org, _ in slots} | {REGION})),
            from_period=None if reaches_back else min(period for _, _, period in slots),
        )

    def as_json(self) -> str:
        return json.dumps({"orgs": list(self.orgs), "from_period": self.from_period})


@dataclass(frozen=True)
class PlannedRun:
    job_name: str
    collection: str | None = None
    # the (org, period) slots of the run: a block (org range x period range), in key order
    slots: tuple[tuple[str, str], ...] = ()
    # a dbt build of only the models downstream of these returns; None builds every model
    models_of: tuple[str, ...] | None = None
    # with models_of: the rows of the incremental measure models to rebuild
    scope: Scope | None = None

    def describe(self) -> str:
        if self.collection is None and self.models_of is not None:
            return f"building the dbt models downstream of {', '.join(self.models_of)}"
        if self.collection is None:
            return "building the dbt models (staging, marts) with their tests"
        return f"loading {len(self.slots)} {self.collection} return(s)"


def plan_load(
    settings: Settings, slots: dict[Slot, list[ReturnFile]] | None = None
) -> list[PlannedRun]:
    """An ingest run per block of changed (org, period) partitions of a return, then dbt.

    dbt builds only the models downstream of the changed returns when the warehouse's last
    build passed with the current project; otherwise (first load, new code) every model.
    Nothing at all when nothing changed and that build is current: no run.
    ``slots``: the landing folder's, when the caller has discovered them already.
    """
    if slots is None:
        slots, _ = discover(settings.landing, settle_seconds=landing_settle_seconds())
    warehouse = settings.warehouse
    built = warehouse.exists() and last_build_is_current(settings.dbt_target)
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            known = recorded_digests(con)  # files as they were loaded are not read again
            recorded = recorded_versions(con)
            changed = {
                slot
                for slot, files in slots.items()
                if not is_loaded(con, files, known=known, recorded=recorded)
            }
            built = built and not _loaded_since(con, settings.dbt_target / "run_results.json")
    else:
        changed = set(slots)
    if not changed and built:
        return []  # nothing new, and the models were built with this code from these returns
    runs = []
    changed_returns = tuple(sorted({slot[0] for slot in changed}))
    for collection in changed_returns:
        for block in _rectangles(collection, changed):
            runs.append(PlannedRun(ingest_job_name(collection), collection, block))
    if not (changed_returns and built):
        return [*runs, PlannedRun(BUILD_MODELS_JOB)]
    scoped = PlannedRun(BUILD_MODELS_JOB, models_of=changed_returns, scope=Scope.of(changed))
    return [*runs, scoped]


def _loaded_since(con, run_results: Path) -> bool:
    """True when a return was loaded after the last build ended (a load stopped before its
    build, say): the models are behind the warehouse's returns."""
    [(last_load,)] = con.execute("select max(loaded_at) from ingest.file_versions").fetchall()
    return last_load is not None and last_load.timestamp() > run_results.stat().st_mtime


def _rectangles(collection: str, slots: set[Slot]) -> list[tuple[tuple[str, str], ...]]:
    """Cover the slots with few (org range x period range) blocks: what a Dagster range runs.

    A multi-partition range is the product of a range of each dimension, so a block is
    consecutive orgs sharing the same consecutive run of periods.
    """
    orgs = list(orgs_submitting(collection))
    periods = [str(p) for p in accepted_periods()]
    wanted = {(org, period) for c, org, period in slots if c == collection}
    blocks: list[tuple[list[str], list[str]]] = []
    for org in orgs:
        for run in _runs([p for p in periods if (org, p) in wanted], periods):
            previous = blocks[-1] if blocks else None
            if (
                previous
                and previous[1] == run
                and orgs.index(previous[0][-1]) == orgs.index(org) - 1
            ):
                previous[0].append(org)
            else:
                blocks.append(([org], run))
    return [
        tuple((o, p) for o in block_orgs for p in block_periods)
        for block_orgs, block_periods in blocks
    ]


def _runs(present: list[str], order: list[str]) -> list[list[str]]:
    """Split ``present`` (in ``order``) into runs of consecutive keys."""
    runs: list[list[str]] = []
    for key in present:
        if runs and order.index(runs[-1][-1]) == order.index(key) - 1:
            runs[-1].append(key)
        else:
            runs.append([key])
    return runs
