"""Planned runs (``pipelines.ingest.planning``) as Dagster runs: partition keys, tags, and
their execution in this process (``sws load``)."""

from __future__ import annotations

from collections.abc import Callable

from dagster import AssetSelection, DagsterInstance, Definitions

from pipelines.defs.assets.ingest import (
    BOOKS_AT_END,
    FILE_VERSIONS,
    OUTBOX_BOOKS_TAG,
    ingest_asset_key,
)
from pipelines.defs.dbt.assets import DBT_MODELS, DBT_SCOPE_TAG
from pipelines.defs.partitions import slot_key
from pipelines.ingest.planning import PlannedRun

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def partition_keys(run: PlannedRun) -> tuple[str, ...]:
    return tuple(str(slot_key(org, period)) for org, period in run.slots)


def run_tags(run: PlannedRun) -> dict[str, str]:
    """A block of partitions runs as one ranged run (the ingest assets' backfill policy); a
    scoped dbt build carries its scope."""
    keys = partition_keys(run)
    tags = {RANGE_START: keys[0], RANGE_END: keys[-1]} if keys else {}
    if run.scope is not None:
        tags[DBT_SCOPE_TAG] = run.scope.as_json()
    return tags


def execute_load(
    defs: Definitions,
    runs: list[PlannedRun],
    *,
    instance: DagsterInstance,
    run_config: dict,
    progress: Callable[[str], None] = lambda message: None,
) -> list[str]:
    """Execute the planned runs in this process; one line for each run that failed.

    The Trusts' failures lists are left to the caller (``write_missing_books`` once the
    load ends): each ingest run would otherwise rewrite the lists of every folder it touches.
    """
    failed = []
    for number, run in enumerate(runs, start=1):
        progress(f"[{number}/{len(runs)}] {run.describe()}")
        result = defs.resolve_job_def(run.job_name).execute_in_process(
            instance=instance,
            tags=run_tags(run) | {OUTBOX_BOOKS_TAG: BOOKS_AT_END},
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
    selection = AssetSelection.assets(*changed).downstream() & DBT_MODELS
    return list(selection.resolve(defs.resolve_asset_graph()))
