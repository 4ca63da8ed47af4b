"""Schedules: the quarterly regional refresh after the deadline; the ODB's bi-annual pack."""

from __future__ import annotations

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    schedule,
)

from contracts.periods import Period
from pipelines.defs.jobs import build_models_job, odb_pack_job
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.runs import partition_keys
from pipelines.ingest.planning import plan_load


# Returns are due six weeks after quarter end; the refresh runs on the 15th of the second month
# after it (mid-February, May, August, November), 06:00 Belfast time.
@schedule(
    job=build_models_job,
    cron_schedule="0 6 15 2,5,8,11 *",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING,
    description="After the submission deadline: rebuild staging, intermediate models and the "
    "outcome marts (with their tests) from every return loaded. Returns themselves are loaded "
    "as they land, by landing_sensor; the tick log names any return still waiting.",
)
def quarterly_regional_refresh(context: ScheduleEvaluationContext, warehouse: WarehouseResource):
    # One schedule runs one job, and ingest jobs differ by partitioning: loading is the
    # sensor's. A return that landed but is not loaded means the sensor is off or failing.
    waiting = [run for run in plan_load(warehouse.settings) if run.collection is not None]
    for run in waiting:
        keys = partition_keys(run)
        context.log.warning(
            f"{run.collection}: {len(keys)} return(s) landed but not loaded "
            f"({keys[0]} … {keys[-1]}): is landing_sensor on?"
        )
    return RunRequest(run_key=f"refresh-{context.scheduled_execution_time:%Y-%m-%d}")


@schedule(
    job=odb_pack_job,
    cron_schedule="0 7 1 6,12 *",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING,
    description="The ODB's bi-annual cycle: on 1 June and 1 December, the pack for the "
    "half-year just refreshed (to Q4, to Q2).",
)
def biannual_odb_extract(context: ScheduleEvaluationContext):
    period = Period.containing(context.scheduled_execution_time.date()).shift(-1)
    return RunRequest(partition_key=str(period), run_key=f"odb-pack-{period}")
