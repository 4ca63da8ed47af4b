"""Schedules: the quarterly regional refresh once the submission deadline has passed."""

from __future__ import annotations

from dagster import DefaultScheduleStatus, ScheduleDefinition

from pipelines.jobs import build_models_job

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
