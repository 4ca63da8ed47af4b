"""The ODB extract pack as an asset, one partition per period, published through its gate."""

from collections.abc import Sequence

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.defs.assets.metadata import OWNERS
from pipelines.defs.partitions import period_partitions
from pipelines.defs.resources import WarehouseResource
from pipelines.extract import PackResult, write_pack

PACK_KEY = AssetKey(["extracts", "odb_pack"])
GATE_CHECK = "publish_gate"
CONSUMER = "ODB"


def build_odb_pack(marts: Sequence[AssetKey]) -> AssetsDefinition:
    """The pack, built from ``marts`` (the dbt models' keys, ``get_asset_key_for_model``)."""

    @asset(
        key=PACK_KEY,
        deps=marts,
        partitions_def=period_partitions,
        check_specs=[
            AssetCheckSpec(
                GATE_CHECK,
                asset=PACK_KEY,
                description="The pack's validation gate: Great Expectations (schema, ranges, "
                "suppression invariants, no identifiers, every measure x org x period), the "
                "data package's validation and the disclosure audit. A pack that fails it is "
                "not published.",
            )
        ],
        group_name="extracts",
        kinds={"excel", "great_expectations", "csv"},
        owners=OWNERS,
        description="The Outcomes Delivery Board's extract pack for a period (partition): the "
        "workbook `odb_extract_<P>.xlsx` laid out as official statistics, `csv/outcome1..4.csv` "
        "with every period up to P, `datapackage.json`, and `report.html` with a trend chart "
        "per measure; disclosure control applied, published in `$SWS_HOME/extracts/<P>/` only "
        "if it passes its gate, and its delivery recorded in the usage log. Also "
        "`sws extract --period P` (recorded here too).",
    )
    def odb_extract_pack(context: AssetExecutionContext, warehouse: WarehouseResource):
        result = write_pack(warehouse.settings, context.partition_key, consumer=CONSUMER)
        yield AssetCheckResult(**gate_evaluation(result))
        if not result.ok:
            raise Failure(description=f"pack not published: {result.message}")
        yield MaterializeResult(metadata=pack_metadata(result))

    return odb_extract_pack


def gate_evaluation(result: PackResult) -> dict:
    """The gate's verdict, as a check result (in a run) or evaluation (``sws extract``)."""
    return {
        "asset_key": PACK_KEY,
        "check_name": GATE_CHECK,
        "passed": result.gate.success,
        "metadata": {
            "expectations": result.gate.evaluated,
            "failed": len(result.gate.failures),
            "result": MetadataValue.path(str(result.gate.result_path or "")),
            "gate_report": MetadataValue.path(str(result.gate.report_path or "")),
        },
        "description": result.gate.message,
    }


def pack_metadata(result: PackResult) -> dict:
    return {
        "published_in": MetadataValue.path(str(result.out_dir)),
        "files": MetadataValue.md(
            "\n".join(f"- `{path.relative_to(result.out_dir)}`" for path in result.files)
        ),
        "measures": len(result.measures),
        "pack_sha256": result.pack_sha256,
        "gate": result.gate.message,
        "report": MetadataValue.path(str(result.out_dir / "report.html")),
    }
