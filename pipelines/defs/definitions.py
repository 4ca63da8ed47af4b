"""Everything Dagster knows about the warehouse, bound to one warehouse's settings."""

from dagster import Definitions, in_process_executor

from pipelines.defs.assets.extract import community_planning_pack, odb_extract_pack
from pipelines.defs.assets.ingest import ingest_assets
from pipelines.defs.assets.lineage import cull_report_asset
from pipelines.defs.assets.operations import submission_status_report
from pipelines.defs.dbt.assets import build_dbt_assets
from pipelines.defs.dbt.project import dbt_project
from pipelines.defs.jobs import (
    build_models_job,
    community_planning_pack_job,
    ingest_jobs,
    land_jobs,
    odb_pack_job,
)
from pipelines.defs.resources import build_resources
from pipelines.defs.retention import retention, weekly_retention
from pipelines.defs.schedules import biannual_odb_extract, quarterly_regional_refresh
from pipelines.defs.sensors import cull_report_automation, landing_sensor
from pipelines.settings import Settings


def build_defs(settings: Settings) -> Definitions:
    """The definitions; the dbt manifest must be prepared (``prepare_manifest``)."""
    return Definitions(
        assets=[
            *ingest_assets,
            build_dbt_assets(dbt_project()),
            submission_status_report,
            odb_extract_pack,
            community_planning_pack,
            cull_report_asset,
        ],
        jobs=[
            *ingest_jobs,
            *land_jobs,
            build_models_job,
            odb_pack_job,
            community_planning_pack_job,
            retention,
        ],
        schedules=[quarterly_regional_refresh, biannual_odb_extract, weekly_retention],
        sensors=[landing_sensor, cull_report_automation],
        resources=build_resources(settings),
        # a step in a process of its own costs a second start-up (~5-10 s a run), and nothing
        # is gained: runs that write the warehouse take turns anyway
        executor=in_process_executor,
    )
