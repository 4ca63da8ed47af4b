"""Retention as a Dagster job: weekly, delete landed and archived files (and outboxes) whose
period's deadline is more than ``[tool.sws.retention]`` days past (``pipelines.retention``)."""

from dagster import (
    DefaultScheduleStatus,
    MetadataValue,
    OpExecutionContext,
    Output,
    RunRequest,
    ScheduleEvaluationContext,
    job,
    op,
    schedule,
)

from pipelines.defs.jobs import WRITES_WAREHOUSE
from pipelines.defs.resources import WarehouseResource
from pipelines.retention import purge, retention_days


@op(description="Delete the files past their retention, recording each in ingest.purged_files.")
def purge_expired_files(context: OpExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings
    gone = purge(settings)
    for entry in gone:
        context.log.info(f"purged {entry.location}: {entry.path} ({entry.period})")
    listing = "\n".join(f"- {e.location}: `{e.path.name}` ({e.period})" for e in gone)
    yield Output(
        len(gone),
        metadata={
            "purged": len(gone),
            "retention_days": retention_days(),
            "files": MetadataValue.md(listing or "nothing has expired"),
        },
    )


@job(
    tags=WRITES_WAREHOUSE,
    description="Retention: delete landed and archived return files, and Trust outboxes, "
    "past [tool.sws.retention] days after their period's deadline; the warehouse keeps a "
    "record of each (ingest.purged_files). Also `sws purge`.",
)
def retention():
    purge_expired_files()


@schedule(
    job=retention,
    cron_schedule="0 3 * * 0",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every Sunday 03:00 Belfast time: the retention job.",
)
def weekly_retention(context: ScheduleEvaluationContext):
    return RunRequest(run_key=f"retention-{context.scheduled_execution_time:%Y-%m-%d}")
