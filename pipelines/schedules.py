"""Schedules: the quarterly regional refresh after the deadline; the ODB's bi-annual pack."""

from __future__ import annotations

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from contracts.periods import Period
from pipelines.jobs import build_models_job, odb_pack_job

# Returns are due six weeks after quarter end; the refresh runs on the 15th of the second month
# after it (mid-February, May, August, November), 06:00 Belfast time.
quarterly_regional_refresh = ScheduleDefinition(
    name="quarterly_regional_refresh",
    job=build_models_job,
    cron_schedule="0 6 15 2,5,8,11 *",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING,
    description="After the submission deadline: rebuild staging, intermediate models and the "
    "outcome marts (with their tests) from every return loaded. Returns themselves are loaded "
    "as they land, by landing_sensor.",
)


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
