"""Work done outside a Dagster run, recorded on the instance that ``sws load`` runs on.

``sws extract``, ``sws cull-report`` and ``sws status`` call the library directly: no run to
start, no code location to load, and the extract holds the writer's turn only for its usage
log. Afterwards each reports what it wrote as a runless event of the asset that stands for it
(the metadata the asset itself records), so the UI shows the work as done.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl
from dagster import (
    AssetCheckEvaluation,
    AssetMaterialization,
    DagsterInstance,
)

from pipelines.defs.assets.extract import PACK_KEYS, gate_evaluation, pack_metadata
from pipelines.defs.assets.lineage import CULL_REPORT, cull_report_metadata
from pipelines.defs.assets.operations import status_metadata, submission_status_report
from pipelines.extract import PackResult

STATUS_REPORT = submission_status_report.key


def record_pack(result: PackResult) -> None:
    """A pack of a period (its partition of the consumer's pack asset): the gate's verdict, and
    if it was published, the materialisation. A pack for any other consumer (``--for``) has no
    asset: nothing is recorded."""
    events: list = []
    key = PACK_KEYS.get(result.consumer)
    if key is None:
        return
    if result.ok:
        events.append(
            AssetMaterialization(
                key,
                partition=result.period,
                description=f"sws extract --period {result.period} --for {result.consumer}",
                metadata=pack_metadata(result),
            )
        )
    events.append(_gate_of_period(result))
    _report(events)


def _gate_of_period(result: PackResult) -> AssetCheckEvaluation:
    # The period goes in the metadata, not ``partition``: Dagster 1.13 stores a runless check
    # evaluation of a partition once (unique on check, run, partition) and refuses a second.
    evaluation = gate_evaluation(result)
    evaluation["metadata"] = {"period": result.period, **evaluation["metadata"]}
    evaluation["description"] = f"{result.period}: {evaluation['description']}"
    return AssetCheckEvaluation(**evaluation)


def record_cull_report(report: pl.DataFrame, out: Path, pages: Path) -> None:
    _report(
        [
            AssetMaterialization(
                CULL_REPORT,
                description="sws cull-report",
                metadata=cull_report_metadata(report, out, pages),
            )
        ]
    )


def record_status(table: pl.DataFrame) -> None:
    """One period's status, as ``sws status`` printed it."""
    period = table["period"][0]
    _report(
        [
            AssetMaterialization(
                STATUS_REPORT,
                description=f"sws status --period {period}",
                metadata=status_metadata(table),
            )
        ]
    )


def _report(events: Iterable) -> None:
    with DagsterInstance.get() as instance:  # $DAGSTER_HOME, as `sws load` uses it
        for event in events:
            instance.report_runless_asset_event(event)
