"""The landing sensor: a new return (or a higher ``_v<N>``) starts a run for its partition."""

from __future__ import annotations

from contextlib import nullcontext

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from pipelines.jobs import land_job_name, land_jobs
from pipelines.loading import discover, file_sha256, is_loaded, latest_file
from pipelines.partitions import slot_key
from pipelines.resources import WarehouseResource
from pipelines.warehouse import WarehouseBusy, connect


@sensor(
    jobs=land_jobs,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches $SWS_LANDING: each new file version loads its (org, period) partition "
    "and rebuilds what depends on it, once (run key = file name + content digest). Returns "
    "already in the warehouse (e.g. loaded by `sws load`) start nothing.",
)
def landing_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings
    slots, refused = discover(settings.landing)
    for outcome in refused:
        context.log.warning(f"refused: {outcome.refused}")
    try:
        with (
            connect(settings.warehouse, read_only=True)
            if settings.warehouse.exists()
            else nullcontext()
        ) as con:
            new = {
                slot: files for slot, files in slots.items() if not con or not is_loaded(con, files)
            }
    except WarehouseBusy:
        # not a load (loads write a working copy): something else opened the file to write
        yield SkipReason("the warehouse is held by another process: looking again at the next tick")
        return
    for (collection, org, period), files in sorted(new.items()):
        latest = latest_file(files)
        yield RunRequest(
            job_name=land_job_name(collection),
            partition_key=str(slot_key(org, period)),
            run_key=f"{latest.path.name}@{file_sha256(latest.path)[:16]}",
            tags={"sws/file": latest.path.name},
        )
