"""The landing sensor: a new return (or a higher ``_v<N>``) starts a run for its partition."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import nullcontext

from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from contracts.files import RefusedFile, ReturnFile
from contracts.landed import StillBeingWritten
from pipelines.dbt_files import last_build_is_current
from pipelines.defs.assets.lineage import CULL_REPORT
from pipelines.defs.jobs import build_models_job, ingest_jobs, land_jobs
from pipelines.defs.partitions import slot_key
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.runs import run_tags
from pipelines.ingest.file_versions import is_loaded, recorded_digests, recorded_versions
from pipelines.ingest.landing import BEING_WRITTEN, discover, file_sha256, latest_file
from pipelines.ingest.planning import land_job_name, plan_load
from pipelines.ingest.pseudonyms import KeyMismatch, check_key
from pipelines.settings import Settings, landing_settle_seconds
from pipelines.warehouse import WarehouseBusy, connect

# How often the landing folder is looked at; a test's daemon looks more often.
LANDING_POLL_SECONDS = int(os.environ.get("SWS_LANDING_POLL_SECONDS", "30"))

# The cull report follows the models and the usage log by itself (its eager condition); the
# sensor that evaluates such conditions is off unless a definition turns it on.
cull_report_automation = AutomationConditionSensorDefinition(
    "cull_report_automation",
    target=AssetSelection.assets(CULL_REPORT),
    default_status=DefaultSensorStatus.RUNNING,
    description="Refreshes usage/cull_report when the models or the usage log change.",
)


@sensor(
    jobs=[*land_jobs, *ingest_jobs, build_models_job],
    minimum_interval_seconds=LANDING_POLL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches $SWS_LANDING (every 30 s; `SWS_LANDING_POLL_SECONDS`): each new file "
    "version loads its (org, period) partition and rebuilds the models downstream of it, "
    "once (run key = file name + content digest). "
    "Returns already in the warehouse (e.g. loaded by `sws load`) start nothing. Until the "
    "models have been built with the current code (a new warehouse, new code), it runs what "
    "`sws load` runs: a run per block of each return's new partitions, then a full dbt build.",
)
def landing_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings
    slots, others = discover(settings.landing, settle_seconds=landing_settle_seconds())
    for outcome in others:
        if outcome.status == BEING_WRITTEN:
            context.log.info(f"{outcome.file}: still being written, will be retried")
        else:
            context.log.warning(f"refused: {outcome.refused}")
    try:
        if settings.warehouse.exists():
            with connect(settings.warehouse, read_only=True) as con:
                check_key(con, warehouse.pseudonym_key())
    except KeyMismatch as error:
        yield SkipReason(str(error))
        return
    except WarehouseBusy:
        yield SkipReason("the warehouse is held by another process: looking again at the next tick")
        return
    try:
        if last_build_is_current(settings.dbt_target):
            yield from _land_each_file(settings, slots)
        else:
            yield from _load_then_build(settings, slots)
    except WarehouseBusy:
        # not a load (loads write a working copy): something else opened the file to write
        yield SkipReason("the warehouse is held by another process: looking again at the next tick")
    except (StillBeingWritten, RefusedFile):
        yield SkipReason("a landed file changed while this tick looked: looking again at the next")


def _land_each_file(settings: Settings, slots) -> Iterator[RunRequest]:
    """One land_<collection> run per new file version: its partition and the models it feeds."""
    with (
        connect(settings.warehouse, read_only=True)
        if settings.warehouse.exists()
        else nullcontext()
    ) as con:
        known = recorded_digests(con) if con else {}  # files as loaded are not read again
        recorded = recorded_versions(con) if con else None
        new = {
            slot: files
            for slot, files in slots.items()
            if not con or not is_loaded(con, files, known=known, recorded=recorded)
        }
    for (collection, org, period), files in sorted(new.items()):
        latest = latest_file(files)
        try:
            run_key = _run_key([latest])
        except (StillBeingWritten, RefusedFile):  # changed or replaced since it was listed
            continue  # the next tick sees it as it is then
        yield RunRequest(
            job_name=land_job_name(collection),
            partition_key=str(slot_key(org, period)),
            run_key=run_key,
            tags={"sws/file": latest.path.name},
        )


def _load_then_build(settings: Settings, slots) -> Iterator[RunRequest]:
    """Before the models are built with this code (a new warehouse, new code): what `sws load`
    runs — a run per block of a return's new partitions, then one full dbt build queued behind
    them (the queue runs writers in order). Keys name the files, so each runs once."""
    runs = plan_load(settings, slots)
    if all(run.collection is None for run in runs):
        return  # nothing new: a build alone waits for the next load or the schedule
    for run in runs:
        if run.collection is None:  # the build follows every file in the landing folder
            run_key = f"build_models after {_run_key([latest_file(f) for f in slots.values()])}"
        else:
            run_key = _run_key([latest_file(slots[(run.collection, *slot)]) for slot in run.slots])
        yield RunRequest(job_name=run.job_name, run_key=run_key, tags=run_tags(run))


def _run_key(files: list[ReturnFile]) -> str:
    if len(files) == 1:
        return f"{files[0].path.name}@{file_sha256(files[0].path)[:16]}"
    names = "\n".join(sorted(_run_key([f]) for f in files))
    return f"{len(files)} files@{hashlib.sha256(names.encode()).hexdigest()[:16]}"
