"""One ingest asset per return: landing file -> contract -> ``returns.<collection>``, and
``ingest/file_versions``, the record every ingest run writes beside it.

Partitioned by (org, period). A run may cover a range of partitions (single-run backfills),
so a regional load costs one run per return, not one per file.
"""

import warnings
from collections import Counter

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    BetaWarning,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

import contracts
from contracts.contract import contract
from pipelines.defs.assets.metadata import OWNERS, markdown_table
from pipelines.defs.partitions import org_and_period, org_period_partitions
from pipelines.defs.resources import WarehouseResource
from pipelines.feedback.outbox import OutboxPolicy, write_outboxes
from pipelines.ingest.landing import BEING_WRITTEN, discover
from pipelines.ingest.loader import load_slots
from pipelines.ingest.outcomes import LoadOutcome
from pipelines.ingest.pseudonyms import KeyMismatch
from pipelines.settings import landing_settle_seconds

CONTRACT_CHECK = "contract"
FILE_VERSIONS = AssetKey(["ingest", "file_versions"])

# Single-run backfills are beta in Dagster, and what a regional load needs: say so once.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=BetaWarning)
SINGLE_RUN = BackfillPolicy.single_run()
TOP_REASONS = 5
# a run tag: BOOKS_AT_END when the process that runs it writes the failures lists itself
# after its last run (``sws load``); a run without it writes them
OUTBOX_BOOKS_TAG = "sws/outbox_books"
BOOKS_AT_END = "at_end"


def ingest_asset_key(collection: str) -> AssetKey:
    return AssetKey(["returns", collection])


def build_ingest_asset(collection: str) -> AssetsDefinition:
    key = ingest_asset_key(collection)

    @asset(
        key=key,
        partitions_def=org_period_partitions(collection),
        backfill_policy=SINGLE_RUN,
        check_specs=[
            AssetCheckSpec(
                CONTRACT_CHECK,
                asset=key,
                description=f"Rows of the {collection} returns that failed their contract.",
            )
        ],
        group_name="ingest",
        kinds={"pandera", "polars", "duckdb"},
        owners=OWNERS,
        description=_description(collection),
    )
    def ingest(context: AssetExecutionContext, warehouse: WarehouseResource):
        outbox_policy = OutboxPolicy.configured()  # a bad [tool.sws.outbox] loads nothing
        slots, others = discover(
            warehouse.settings.landing, settle_seconds=landing_settle_seconds()
        )
        waiting = {(o.collection, o.org, o.period) for o in others if o.status == BEING_WRITTEN}
        wanted = []
        for partition_key in context.partition_keys:
            org, period = org_and_period(collection, partition_key)
            if (collection, org, period) in slots:
                wanted.append(slots[(collection, org, period)])
            elif (collection, org, period) in waiting:
                context.log.info(
                    f"{collection} {org} {period}: still being written, left for later"
                )
            else:
                context.log.warning(f"no {collection} return for {org} {period} in landing")
        done = []

        every = max(1, len(wanted) // 20)  # about 20 lines a run: each is a Dagster event

        def progress(slot_outcomes: list[LoadOutcome]) -> None:
            done.append(slot_outcomes[-1])
            latest = slot_outcomes[-1]
            if len(done) % every == 0 or len(done) == len(wanted) or latest.status != "loaded":
                context.log.info(f"[{len(done)}/{len(wanted)}] {latest.file}: {_describe(latest)}")

        try:
            with warehouse.connect() as con:
                outcomes = load_slots(
                    con,
                    wanted,
                    archive_dir=warehouse.settings.archive,
                    key=warehouse.pseudonym_key(),
                    progress=progress,
                )
                reasons = _top_reasons(con, collection, outcomes)
        except KeyMismatch as error:
            raise Failure(description=str(error), allow_retries=False) from None
        # each Trust's receipts and failures, from the warehouse just published (a run of a
        # load of several leaves the failures lists to the load's end: OUTBOX_BOOKS_TAG)
        books = context.run.tags.get(OUTBOX_BOOKS_TAG) != BOOKS_AT_END
        outboxes = write_outboxes(warehouse.settings, outcomes, policy=outbox_policy, books=books)
        yield MaterializeResult(metadata=_metadata(outcomes) | {"outboxes": len(outboxes)})
        yield _contract_result(outcomes, reasons)
        # the same turn recorded these files' versions: the models read them from there
        yield AssetMaterialization(
            FILE_VERSIONS,
            description=f"{collection}: {len(outcomes)} file version(s) recorded",
            metadata={"collection": collection, "files": len(outcomes)},
        )

    return ingest


def _description(collection: str) -> str:
    """The contract's docstring (returns.md's wording), then where the rows go."""
    # the contract's description, not its pandera model: a load need not import pandera
    described = contract(collection)
    module, name = described.model.split(":")
    if not described.doc:
        raise ValueError(f"contract {name} has no docstring")
    return (
        f"{described.doc}\n\nChecked row by row against `{name}` (`{module}`); rows "
        f"that pass are pseudonymised and loaded into `returns.{collection}`, the others "
        f"quarantined with their reasons. Also `sws load`."
    )


def _describe(outcome: LoadOutcome) -> str:
    if outcome.refused:
        return f"refused: {outcome.refused}"
    if outcome.status == BEING_WRITTEN:
        return "still being written, will be retried"
    return (
        f"{outcome.status}: {outcome.rows} rows, {outcome.loaded} loaded, "
        f"{outcome.quarantined} quarantined"
    )


def _metadata(outcomes: list[LoadOutcome]) -> dict:
    read = [o for o in outcomes if o.rows is not None]
    return {
        "files": len(outcomes),
        "rows": sum(o.rows for o in read),
        "loaded": sum(o.loaded for o in read),
        "quarantined": sum(o.quarantined for o in read),
        "refused": sum(o.refused is not None for o in outcomes),
        "per_file": MetadataValue.md(_per_file_table(outcomes)),
    }


def _per_file_table(outcomes: list[LoadOutcome]) -> str:
    columns = ("file", "status", "rows", "loaded", "quarantined", "refused")
    rows = [{c: getattr(o, c) for c in columns} for o in outcomes]
    return markdown_table(
        pl.DataFrame(
            rows,
            schema=dict.fromkeys(columns, pl.String)
            | {"rows": pl.Int64, "loaded": pl.Int64, "quarantined": pl.Int64},
        )
    )


def _top_reasons(con, collection: str, outcomes: list[LoadOutcome]) -> list[tuple[str, int]]:
    """The most frequent (column, rule) failures among the files this run read."""
    counts: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.quarantined:
            for column, rule, count in con.execute(
                'select "column", rule, count(*) from ingest.quarantine '
                "where collection = ? and org = ? and period = ? and version = ? "
                "group by all",
                [collection, outcome.org, outcome.period, outcome.version],
            ).fetchall():
                counts[f"{column}: {rule}"] += count
    return counts.most_common(TOP_REASONS)


def _contract_result(outcomes: list[LoadOutcome], reasons) -> AssetCheckResult:
    metadata = _metadata(outcomes)
    metadata.pop("per_file")
    metadata["top_failure_reasons"] = MetadataValue.json(dict(reasons))
    return AssetCheckResult(
        check_name=CONTRACT_CHECK,
        passed=metadata["quarantined"] == 0 and metadata["refused"] == 0,
        severity=AssetCheckSeverity.WARN,
        metadata=metadata,
        description="Rows quarantined or files refused: see `sws failures --org ORG`."
        if reasons or metadata["refused"]
        else "Every row passed its contract.",
    )


ingest_assets = [build_ingest_asset(collection) for collection in contracts.MODELS]

file_versions = AssetSpec(
    FILE_VERSIONS,
    deps=[ingest_asset_key(collection) for collection in contracts.MODELS],
    group_name="ingest",
    kinds={"duckdb"},
    owners=OWNERS,
    description="Every return file version received, one row per file version "
    "(`ingest.file_versions`): when it landed, its digest, whether it loaded and how many rows "
    "were loaded or quarantined, or why it was refused, and which version is current. Written "
    "by the ingest runs in the same transaction as the rows; the models read which returns "
    "each org loaded for each period from it (nil returns included).",
)
