"""Jobs: load one return (a range of its partitions per run) and build the dbt models."""

from __future__ import annotations

from dagster import AssetKey, AssetSelection, define_asset_job

import contracts
from pipelines.defs.assets.ingest import FILE_VERSIONS, ingest_asset_key
from pipelines.defs.dbt.assets import DBT_MODELS
from pipelines.ingest.planning import BUILD_MODELS_JOB, ingest_job_name, land_job_name

# The instance's dagster.yaml (deploy/) lets one run with this tag run at a time: DuckDB has
# a single writer.
WRITES_WAREHOUSE = {"sws/writes": "warehouse"}

ingest_jobs = [
    define_asset_job(
        ingest_job_name(collection),
        selection=AssetSelection.assets(ingest_asset_key(collection)),
        description=f"Load {collection} returns from the landing folder.",
        tags=WRITES_WAREHOUSE,
    )
    for collection in contracts.MODELS
]

# What the landing sensor runs for one new file: its partition and everything built from it.
land_jobs = [
    define_asset_job(
        land_job_name(collection),
        # not the extract pack: it is partitioned by period alone, and published on its own;
        # ingest/file_versions is written by the ingest asset itself
        selection=AssetSelection.assets(ingest_asset_key(collection)).downstream()
        - AssetSelection.groups("extracts")
        - AssetSelection.assets(FILE_VERSIONS),
        description=f"Load one {collection} return and rebuild the models that depend on it.",
        tags=WRITES_WAREHOUSE,
    )
    for collection in contracts.MODELS
]

odb_pack_job = define_asset_job(
    "odb_pack",
    selection=AssetSelection.assets(AssetKey(["extracts", "odb_pack"])),
    description="Write, gate and publish the ODB extract pack for a period.",
)

community_planning_pack_job = define_asset_job(
    "community_planning_pack",
    selection=AssetSelection.assets(AssetKey(["extracts", "community_planning_pack"])),
    description="Write, gate and publish the Community Planning partner pack for a period.",
)

build_models_job = define_asset_job(
    BUILD_MODELS_JOB,
    selection=DBT_MODELS,
    description="dbt build: seeds, staging, intermediate and marts, with their tests.",
    tags=WRITES_WAREHOUSE,
)
