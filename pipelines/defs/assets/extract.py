"""The extract packs as assets, one partition per period, each published through its gate: the
ODB pack, and the Community Planning partner pack (the LGD breakdowns only)."""

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.defs.partitions import period_partitions
from pipelines.defs.resources import WarehouseResource
from pipelines.extract import PackResult, write_pack
from pipelines.extract.partner import CONSUMER as PARTNER_CONSUMER

PACK_KEY = AssetKey(["extracts", "odb_pack"])
PARTNER_PACK_KEY = AssetKey(["extracts", "community_planning_pack"])
GATE_CHECK = "publish_gate"
CONSUMER = "ODB"
GATE_DESCRIPTION = "Great Expectations, the data package's validation, the disclosure audit"
OUTCOME_MARTS = [AssetKey(["marts", f"outcome{n}"]) for n in range(1, 5)]
BREAKDOWNS_MART = AssetKey(["marts", "breakdowns"])


def _publish(result: PackResult):
    """The gate's check result, then the materialisation (or the failure: not published)."""
    yield AssetCheckResult(
        check_name=GATE_CHECK,
        passed=result.gate.success,
        metadata={
            "expectations": result.gate.evaluated,
            "failed": len(result.gate.failures),
            "result": MetadataValue.path(str(result.gate.result_path or "")),
            "gate_report": MetadataValue.path(str(result.gate.report_path or "")),
        },
        description=result.gate.message,
    )
    if not result.ok:
        raise Failure(description=f"pack not published: {result.message}")
    yield MaterializeResult(
        metadata={
            "published_in": MetadataValue.path(str(result.out_dir)),
            "measures": len([m for m in result.measures if "/" not in m]),
            "pack_sha256": result.pack_sha256,
            "report": MetadataValue.path(str(result.out_dir / "report.html")),
        }
    )


@asset(
    key=PACK_KEY,
    deps=[*OUTCOME_MARTS, BREAKDOWNS_MART],
    partitions_def=period_partitions,
    check_specs=[AssetCheckSpec(GATE_CHECK, asset=PACK_KEY, description=GATE_DESCRIPTION)],
    group_name="extracts",
    kinds={"excel", "html", "csv"},
    description="The Outcomes Delivery Board's pack for a period: workbook, CSV files, data "
    "package and report, every measure and breakdown, disclosure control applied; published "
    "only if it passes its gate. Also `sws extract --period P`.",
)
def odb_extract_pack(context: AssetExecutionContext, warehouse: WarehouseResource):
    yield from _publish(write_pack(warehouse.settings, context.partition_key, consumer=CONSUMER))


@asset(
    key=PARTNER_PACK_KEY,
    # the outcome marts too: the region's figures are disclosed with the breakdowns
    deps=[BREAKDOWNS_MART, *OUTCOME_MARTS],
    partitions_def=period_partitions,
    check_specs=[AssetCheckSpec(GATE_CHECK, asset=PARTNER_PACK_KEY, description=GATE_DESCRIPTION)],
    group_name="extracts",
    kinds={"excel", "html", "csv"},
    description="The Community Planning partners' pack for a period: the measures about people "
    "by Local Government District with rates per 10,000 residents, and their definitions only; "
    "disclosure control applied, published only if it passes its gate and audit. Also "
    "`sws extract --period P --for community-planning`.",
)
def community_planning_pack(context: AssetExecutionContext, warehouse: WarehouseResource):
    yield from _publish(
        write_pack(warehouse.settings, context.partition_key, consumer=PARTNER_CONSUMER)
    )
