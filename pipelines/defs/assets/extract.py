"""The extract packs as assets, one partition per period, each published through its gate: the
ODB pack, and the Community Planning partner pack (the LGD breakdowns only)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

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
from pipelines.extract.consumers import COMMUNITY_PLANNING as PARTNER_CONSUMER
from pipelines.extract.consumers import ODB

if TYPE_CHECKING:  # the pack's libraries are imported when a pack is written
    from pipelines.extract import PackResult

PACK_KEY = AssetKey(["extracts", "odb_pack"])
PARTNER_PACK_KEY = AssetKey(["extracts", "community_planning_pack"])
GATE_CHECK = "publish_gate"
CONSUMER = ODB
# the asset that stands for each consumer's pack
PACK_KEYS = {CONSUMER: PACK_KEY, PARTNER_CONSUMER: PARTNER_PACK_KEY}
GATE_DESCRIPTION = (
    "The pack's validation gate: Great Expectations (schema, ranges, suppression invariants, "
    "no identifiers, every measure x org x period), the data package's validation and the "
    "disclosure audit. A pack that fails it is not published."
)


def build_odb_pack(marts: Sequence[AssetKey]) -> AssetsDefinition:
    """The ODB pack, built from ``marts`` (the dbt models' keys, ``get_asset_key_for_model``)."""
    return _pack_asset(
        PACK_KEY,
        CONSUMER,
        marts,
        "The Outcomes Delivery Board's extract pack for a period (partition): the workbook "
        "`odb_extract_<P>.xlsx` laid out as official statistics, `csv/outcome1..4.csv` and "
        "`csv/breakdowns.csv` with every period up to P, `datapackage.json`, and `report.html` "
        "with a trend chart per measure; disclosure control applied, published in "
        "`$SWS_HOME/extracts/<P>/` only if it passes its gate, and its delivery recorded in the "
        "usage log. Also `sws extract --period P` (recorded here too).",
    )


def build_partner_pack(marts: Sequence[AssetKey]) -> AssetsDefinition:
    """The Community Planning partners' pack; ``marts`` as for the ODB pack (the region's
    figures are disclosed with the breakdowns, so it reads the outcome marts too)."""
    return _pack_asset(
        PARTNER_PACK_KEY,
        PARTNER_CONSUMER,
        marts,
        "The Community Planning partners' pack for a period: the measures about people by "
        "Local Government District with rates per 10,000 residents, and their definitions only; "
        "disclosure control applied, published in `$SWS_HOME/extracts/community-planning/<P>/` "
        "only if it passes its gate and audit. Also "
        "`sws extract --period P --for community-planning` (recorded here too).",
    )


def _pack_asset(
    key: AssetKey, consumer: str, marts: Sequence[AssetKey], description: str
) -> AssetsDefinition:
    @asset(
        key=key,
        deps=marts,
        partitions_def=period_partitions,
        check_specs=[AssetCheckSpec(GATE_CHECK, asset=key, description=GATE_DESCRIPTION)],
        group_name="extracts",
        kinds={"excel", "great_expectations", "csv"},
        owners=OWNERS,
        description=description,
    )
    def pack(context: AssetExecutionContext, warehouse: WarehouseResource):
        from pipelines.extract import write_pack

        result = write_pack(warehouse.settings, context.partition_key, consumer=consumer)
        yield AssetCheckResult(**gate_evaluation(result))
        if not result.ok:
            raise Failure(description=f"pack not published: {result.message}")
        yield MaterializeResult(metadata=pack_metadata(result))

    return pack


def gate_evaluation(result: "PackResult") -> dict:
    """The gate's verdict, as a check result (in a run) or evaluation (``sws extract``)."""
    return {
        "asset_key": PACK_KEYS[result.consumer],
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


def pack_metadata(result: "PackResult") -> dict:
    return {
        "published_in": MetadataValue.path(str(result.out_dir)),
        "files": MetadataValue.md(
            "\n".join(f"- `{path.relative_to(result.out_dir)}`" for path in result.files)
        ),
        "measures": len([m for m in result.measures if "/" not in m]),
        "pack_sha256": result.pack_sha256,
        "gate": result.gate.message,
        "report": MetadataValue.path(str(result.out_dir / "report.html")),
    }
