"""A regional load: the runs that bring the warehouse up to date with the landing folder.

``sws load`` plans with ``plan_load`` and executes the runs in this process, on the same
ingest and dbt jobs the Dagster UI, the landing sensor and the schedule launch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagster import AssetKey, AssetSelection, DagsterInstance, Definitions

from contracts.files import ReturnFile
from pipelines.assets.dbt import sws_dbt_models
from pipelines.assets.ingest import ingest_asset_key
from pipelines.jobs import BUILD_MODELS_JOB, ingest_job_name
from pipelines.loading import Slot, discover, is_loaded
from pipelines.partitions import org_period_partitions, slot_key
from pipelines.project import last_build_is_current
from pipelines.settings import Settings
from pipelines.warehouse import connect

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
FILE_VERSIONS = AssetKey(["ingest", "file_versions"])


@dataclass(frozen=True)
class PlannedRun:
    job_name: str
    collection: str | None = None
    partition_keys: tuple[str, ...] = ()
    # a dbt build of only the models downstream of these returns; None builds every model
    models_of: tuple[str, ...] | None = None

    @property
    def tags(self) -> dict[str, str]:
        if not self.partition_keys:
            return {}
        return {RANGE_START: self.partition_keys[0], RANGE_END: self.partition_keys[-1]}

    def describe(self) -> str:
        if self.collection is None and self.models_of is not None:
            return f"building the dbt models downstream of {', '.join(self.models_of)}"
        if self.collection is None:
            return "building the dbt models (staging, marts) with their tests"
        return f"loading {len(self.partition_keys)} {self.collection} return(s)"


def plan_load(
    settings: Settings, slots: dict[Slot, list[ReturnFile]] | None = None
) -> list[PlannedRun]:
    """An ingest run per block of changed (org, period) partitions of a return, then dbt.

    dbt builds only the models downstream of the changed returns when the warehouse's last
    build passed with the current project; otherwise (first load, new code) every model.
    ``slots``: the landing folder's, when the caller has discovered them already.
    """
    if slots is None:
        slots, _ = discover(settings.landing)
    warehouse = settings.warehouse
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            changed = {slot for slot, files in slots.items() if not is_loaded(con, files)}
    else:
        changed = set(slots)
    runs = []
    changed_returns = tuple(sorted({slot[0] for slot in changed}))
    for collection in changed_returns:
        for keys in _rectangles(collection, changed):
            runs.append(PlannedRun(ingest_job_name(collection), collection, keys))
    scoped = changed_returns and warehouse.exists() and last_build_is_current(settings.dbt_target)
    return [*runs, PlannedRun(BUILD_MODELS_JOB, models_of=changed_returns if scoped else None)]


def _rectangles(collection: str, slots: set[Slot]) -> list[tuple[str, ...]]:
    """Cover the slots with few (org range x period range) blocks: what a Dagster range runs.

    A multi-partition range is the product of a range of each dimension, so a block is
    consecutive orgs sharing the same consecutive run of periods.
    """
    partitions = org_period_partitions(collection)
    orgs, periods = (
        partitions.get_partitions_def_for_dimension(d).get_partition_keys()
        for d in ("org", "period")
    )
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
        tuple(str(slot_key(o, p)) for o in block_orgs for p in block_periods)
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


def execute_load(
    defs: Definitions,
    runs: list[PlannedRun],
    *,
    instance: DagsterInstance,
    run_config: dict,
    progress: Callable[[str], None] = lambda message: None,
) -> list[str]:
    """Execute the planned runs in this process; one line for each run that failed."""
    failed = []
    for number, run in enumerate(runs, start=1):
        progress(f"[{number}/{len(runs)}] {run.describe()}")
        result = defs.resolve_job_def(run.job_name).execute_in_process(
            instance=instance,
            tags=run.tags,
            run_config=run_config,
            raise_on_error=False,
            asset_selection=_models_downstream_of(defs, run.models_of),
        )
        if not result.success:
            errors = [e.step_failure_data.error for e in result.get_step_failure_events()]
            reason = errors[0].message.strip().splitlines()[-1] if errors else "failed"
            failed.append(f"run {result.run_id[:8]} of {run.job_name} failed: {reason}")
    return failed


def _models_downstream_of(defs: Definitions, returns: tuple[str, ...] | None):
    if returns is None:
        return None
    # every load writes ingest.file_versions, from which each mart's row set is built
    changed = [ingest_asset_key(c) for c in returns] + [FILE_VERSIONS]
    selection = AssetSelection.assets(*changed).downstream() & AssetSelection.assets(sws_dbt_models)
    return list(selection.resolve(defs.resolve_asset_graph()))
