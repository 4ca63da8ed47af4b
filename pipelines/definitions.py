"""The Dagster code location of the warehouse (``dagster dev`` loads this module)."""

from dagster import Definitions

from pipelines.assets.dbt import sws_dbt_models
from pipelines.assets.ingest import ingest_assets
from pipelines.jobs import build_models_job, ingest_jobs
from pipelines.resources import default_resources

defs = Definitions(
    assets=[*ingest_assets, sws_dbt_models],
    jobs=[*ingest_jobs, build_models_job],
    resources=default_resources(),
)
