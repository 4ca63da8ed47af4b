"""The cull report and the "what happens to your data" pages, refreshed after loads and packs."""

from collections.abc import Sequence
from pathlib import Path

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AutomationCondition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.defs.assets.extract import PACK_KEY, PARTNER_PACK_KEY
from pipelines.defs.assets.metadata import OWNERS, markdown_table
from pipelines.defs.resources import WarehouseResource
from pipelines.lineage import cull_report, cull_report_csv, item_lineage, write_data_pages

CULL_REPORT = AssetKey(["usage", "cull_report"])


def build_cull_report(marts: Sequence[AssetKey]) -> AssetsDefinition:
    """The cull report, read through ``marts`` (the dbt models' keys) and the packs' deliveries."""

    @asset(
        key=CULL_REPORT,
        deps=[*marts, PACK_KEY, PARTNER_PACK_KEY],
        group_name="usage",
        kinds={"sqlglot", "csv", "html"},
        owners=OWNERS,
        automation_condition=AutomationCondition.eager(),
        description="Every collected item with what it reaches (column-level lineage through "
        "the dbt models), when an extract last used it, its verdict (used / unused / unread), "
        "whether to cull it and the recording hours it costs a year; plus a page per return "
        "for social workers. Also `sws cull-report` (recorded here too).",
    )
    def cull_report_asset(context: AssetExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.settings
        lineage = item_lineage(settings)
        report = cull_report(settings, lineage=lineage)
        out = settings.home / "cull_report.csv"  # where `sws cull-report` writes it
        cull_report_csv(report, out)
        pages = write_data_pages(settings, lineage=lineage, report=report)
        return MaterializeResult(metadata=cull_report_metadata(report, out, pages[0].parent))

    return cull_report_asset


def cull_report_metadata(report: pl.DataFrame, out: Path, pages: Path) -> dict:
    """What the report (written to ``out``) says, as the UI shows it."""
    candidates = report.filter(pl.col("recommend_cull"))
    return {
        "path": MetadataValue.path(str(out)),
        "pages": MetadataValue.path(str(pages)),
        "items": report.height,
        "recommended_for_culling": candidates.height,
        "hours_a_year_saved": round(candidates["burden_hours_per_year"].sum(), 1),
        "candidates": MetadataValue.md(
            markdown_table(
                candidates.select("collection", "item", "verdict", "burden_hours_per_year")
            )
        ),
    }
