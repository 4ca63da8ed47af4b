"""Operational assets for data engineers: which returns arrived, which are late or missing."""

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from contracts import MODELS
from pipelines.defs.assets.ingest import ingest_asset_key
from pipelines.defs.assets.metadata import OWNERS, markdown_table
from pipelines.defs.resources import WarehouseResource
from pipelines.ingest.landing import discover
from pipelines.status import latest_period, submission_status
from pipelines.warehouse import connect


@asset(
    deps=[ingest_asset_key(c) for c in MODELS],
    group_name="operations",
    kinds={"duckdb", "polars"},
    owners=OWNERS,
    description="Expected returns x orgs x period against what arrived: latest version, when "
    "it landed, contract result, rows quarantined; loaded, late, refused, waiting in the "
    "landing folder, awaited or missing. Every period, into `ingest.submission_status`. Also "
    "`sws status [--period P]`, which prints one period and is recorded here too.",
)
def submission_status_report(context: AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings
    loaded = set()
    if settings.warehouse.exists():  # read the published state: no writer turn, no copy
        with connect(settings.warehouse, read_only=True) as con:
            found = con.sql("select distinct period from ingest.file_versions").fetchall()
        loaded = {period for (period,) in found}
    periods = sorted(loaded | {slot[2] for slot in discover(settings.landing)[0]})
    table = pl.concat(
        [submission_status(settings.warehouse, settings.landing, p) for p in periods]
        or [
            submission_status(
                settings.warehouse,
                settings.landing,
                latest_period(settings.warehouse, settings.landing),
            )
        ]
    )
    with warehouse.connect() as con:
        con.register("status_rows", table)
        con.execute("create or replace table ingest.submission_status as from status_rows")
    latest = table.filter(pl.col("period") == table["period"].max())
    context.log.info(f"{latest['period'][0]}: {dict(latest['status'].value_counts().iter_rows())}")
    return MaterializeResult(metadata=status_metadata(latest))


def status_metadata(period_table: pl.DataFrame) -> dict:
    """One period's status table as the UI shows it: counts by status, then every return."""
    counts = dict(period_table["status"].value_counts(sort=True).iter_rows())
    return {
        "period": period_table["period"][0],
        **counts,
        "returns": MetadataValue.md(
            markdown_table(
                period_table.select("collection", "org", "status", "version", "rows", "quarantined")
            )
        ),
    }
