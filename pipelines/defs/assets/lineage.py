"""The cull report and the "what happens to your data" pages, refreshed after loads and packs."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AutomationCondition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.defs.assets.extract import BREAKDOWNS_MART, OUTCOME_MARTS, PACK_KEY, PARTNER_PACK_KEY
from pipelines.defs.assets.metadata import markdown_table
from pipelines.defs.resources import WarehouseResource
from pipelines.lineage import cull_report, cull_report_csv, item_lineage, write_data_pages

CULL_REPORT = AssetKey(["usage", "cull_report"])


@asset(
    key=CULL_REPORT,
    deps=[*OUTCOME_MARTS, BREAKDOWNS_MART, PACK_KEY, PARTNER_PACK_KEY],
    group_name="usage",
    kinds={"sqlglot", "csv", "html"},
    automation_condition=AutomationCondition.eager(),
    description="Every collected item with what it reaches (column-level lineage through the "
    "dbt models), when an extract last used it, its verdict (used / unused / unread), whether "
    "to cull it and the recording hours it costs a year; plus a page per return for social "
    "workers. Also `sws cull-report`.",
)
def cull_report_asset(context: AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings
    lineage = item_lineage(settings)
    report = cull_report(settings, lineage=lineage)
    out = settings.home / "cull_report.csv"
    cull_report_csv(report, out)
    pages = write_data_pages(settings, lineage=lineage, report=report)
    candidates = report.filter("recommend_cull")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(out)),
            "pages": MetadataValue.path(str(pages[0].parent)),
            "items": report.height,
            "recommended_for_culling": candidates.height,
            "hours_a_year_saved": round(candidates["burden_hours_per_year"].sum(), 1),
            "candidates": MetadataValue.md(
                markdown_table(
                    candidates.select("collection", "item", "verdict", "burden_hours_per_year")
                )
            ),
        }
    )
