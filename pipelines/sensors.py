"""The landing sensor: a new return (or a higher ``_v<N>``) starts a run for its partition."""

from __future__ import annotations

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, sensor

from pipelines.jobs import land_job_name, land_jobs
from pipelines.loading import discover, file_sha256, latest_file
from pipelines.partitions import slot_key
from pipelines.resources import WarehouseResource


@sensor(
    jobs=land_jobs,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches $SWS_LANDING: each new file version loads its (org, period) partition "
    "and rebuilds what depends on it, once (run key = file name + content digest).",
)
def landing_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    slots, refused = discover(warehouse.settings.landing)
    for outcome in refused:
        context.log.warning(f"refused: {outcome.refused}")
    for (collection, org, period), files in sorted(slots.items()):
        latest = latest_file(files)
        yield RunRequest(
            job_name=land_job_name(collection),
            partition_key=str(slot_key(org, period)),
            run_key=f"{latest.path.name}@{file_sha256(latest.path)[:16]}",
            tags={"sws/file": latest.path.name},
        )
