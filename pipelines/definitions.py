"""The Dagster code location of the warehouse (``dagster dev`` loads ``defs``)."""

from dagster import Definitions, in_process_executor

from pipelines.assets.dbt import sws_dbt_models
from pipelines.assets.extract import odb_extract_pack
from pipelines.assets.ingest import ingest_assets
from pipelines.assets.lineage import cull_report_asset
from pipelines.assets.operations import submission_status_report
from pipelines.jobs import build_models_job, ingest_jobs, land_jobs, odb_pack_job
from pipelines.resources import build_resources
from pipelines.schedules import biannual_odb_extract, quarterly_regional_refresh
from pipelines.sensors import cull_report_automation, landing_sensor
from pipelines.settings import Settings, load_settings


def build_defs(settings: Settings) -> Definitions:
    """The definitions, bound to one warehouse (``sws`` builds them for its own settings)."""
    return Definitions(
        assets=[
            *ingest_assets,
            sws_dbt_models,
            submission_status_report,
            odb_extract_pack,
            cull_report_asset,
        ],
        jobs=[*ingest_jobs, *land_jobs, build_models_job, odb_pack_job],
        schedules=[quarterly_regional_refresh, biannual_odb_extract],
        sensors=[landing_sensor, cull_report_automation],
        resources=build_resources(settings),
        # a step in a process of its own costs a second start-up (~5-10 s a run), and nothing
        # is gained: runs that write the warehouse take turns anyway
        executor=in_process_executor,
    )


defs = build_defs(load_settings())
