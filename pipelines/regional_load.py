"""A regional load: the runs that bring the warehouse up to date with the landing folder.

``plan_load`` is shared by ``sws load`` (which executes the runs in this process) and by the
schedules and sensors (which submit them), so every load takes the same path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance, Definitions, RunRequest

from pipelines.jobs import BUILD_MODELS_JOB, ingest_job_name
from pipelines.loading import Slot, discover, is_loaded
from pipelines.partitions import org_period_partitions, slot_key
from pipelines.warehouse import connect

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


@dataclass(frozen=True)
class PlannedRun:
    job_name: str
    collection: str | None = None
    partition_keys: tuple[str, ...] = ()

    @property
    def tags(self) -> dict[str, str]:
        if not self.partition_keys:
            return {}
        return {RANGE_START: self.partition_keys[0], RANGE_END: self.partition_keys[-1]}

    def run_request(self) -> RunRequest:
        return RunRequest(job_name=self.job_name, tags=self.tags)

    def describe(self) -> str:
        if self.collection is None:
            return "building the dbt models (staging, marts) with their tests"
        return f"loading {len(self.partition_keys)} {self.collection} return(s)"


def plan_load(landing: Path, warehouse: Path) -> list[PlannedRun]:
    """One ingest run per contiguous range of changed (org, period) partitions, then dbt."""
    slots, _ = discover(landing)
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            changed = {slot for slot, files in slots.items() if not is_loaded(con, files)}
    else:
        changed = set(slots)
    runs = []
    for collection in sorted({slot[0] for slot in changed}):
        for keys in _contiguous_ranges(collection, changed):
            runs.append(PlannedRun(ingest_job_name(collection), collection, keys))
    return [*runs, PlannedRun(BUILD_MODELS_JOB)]


def _contiguous_ranges(collection: str, slots: set[Slot]) -> list[tuple[str, ...]]:
    """Partition keys of the slots, split where the partition order has a gap."""
    order = org_period_partitions(collection).get_partition_keys()
    wanted = {str(slot_key(org, period)) for c, org, period in slots if c == collection}
    ranges: list[list[str]] = []
    previous = None
    for index, key in enumerate(order):
        if key in wanted:
            if previous is None or previous != index - 1:
                ranges.append([])
            ranges[-1].append(key)
            previous = index
    return [tuple(r) for r in ranges]


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
            instance=instance, tags=run.tags, run_config=run_config, raise_on_error=False
        )
        if not result.success:
            errors = [e.step_failure_data.error for e in result.get_step_failure_events()]
            reason = errors[0].message.strip().splitlines()[-1] if errors else "failed"
            failed.append(f"run {result.run_id[:8]} of {run.job_name} failed: {reason}")
    return failed
