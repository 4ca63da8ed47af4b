"""Everything Dagster knows about the warehouse, bound to one warehouse's settings."""

import os
import warnings

from dagster import (
    AnchorBasedFilePathMapping,
    BetaWarning,
    Definitions,
    in_process_executor,
    link_code_references_to_git,
    with_source_code_references,
)
from dagster_dbt import get_asset_key_for_model

from pipelines.defs.assets.extract import build_odb_pack, build_partner_pack
from pipelines.defs.assets.ingest import file_versions, ingest_assets
from pipelines.defs.assets.lineage import build_cull_report
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
from pipelines.settings import REPO, Settings

# the marts the packs and the cull report read
MARTS = ("outcome1", "outcome2", "outcome3", "outcome4", "breakdowns")
# code references (beta in Dagster): each asset links to the file that defines it
warnings.filterwarnings(
    "ignore", message=".*(with_source_code_references|CodeReference).*", category=BetaWarning
)


def build_defs(settings: Settings) -> Definitions:
    """The definitions; the dbt manifest must be prepared (``prepare_manifest``)."""
    dbt_models = build_dbt_assets(dbt_project())
    marts = [get_asset_key_for_model([dbt_models], name) for name in MARTS]
    return Definitions(
        assets=_code_references(
            [
                *ingest_assets,
                file_versions,
                dbt_models,
                submission_status_report,
                build_odb_pack(marts),
                build_partner_pack(marts),
                build_cull_report(marts),
            ]
        ),
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


def _code_references(assets: list) -> list:
    """Local files by default (a laptop's editor opens them); links into the repository's
    web view when ``SWS_GIT_URL`` names it (a regional server, viewed from elsewhere)."""
    assets = with_source_code_references(assets)
    git_url = os.environ.get("SWS_GIT_URL")
    if not git_url:
        return assets
    return link_code_references_to_git(
        assets,
        git_url=git_url,
        git_branch=os.environ.get("SWS_GIT_BRANCH", "main"),
        file_path_mapping=AnchorBasedFilePathMapping(
            local_file_anchor=REPO / "pyproject.toml",
            file_anchor_path_in_repository="pyproject.toml",
        ),
    )
