"""The ODB extract pack as an asset, one partition per period, published through its gate."""

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
from pipelines.extract import write_pack

PACK_KEY = AssetKey(["extracts", "odb_pack"])
GATE_CHECK = "publish_gate"
CONSUMER = "ODB"


@asset(
    key=PACK_KEY,
    deps=[AssetKey(["marts", f"outcome{n}"]) for n in range(1, 5)],
    partitions_def=period_partitions,
    check_specs=[
        AssetCheckSpec(
            GATE_CHECK,
            asset=PACK_KEY,
            description="Great Expectations, the data package's validation, the disclosure audit",
        )
    ],
    group_name="extracts",
    kinds={"excel", "html", "csv"},
    description="The Outcomes Delivery Board's pack for a period: workbook, CSV files, data "
    "package and report, disclosure control applied; published only if it passes its gate. Also "
    "`sws extract --period P`.",
)
def odb_extract_pack(context: AssetExecutionContext, warehouse: WarehouseResource):
    result = write_pack(warehouse.settings, context.partition_key, consumer=CONSUMER)
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
            "measures": len(result.measures),
            "pack_sha256": result.pack_sha256,
            "report": MetadataValue.path(str(result.out_dir / "report.html")),
        }
    )
