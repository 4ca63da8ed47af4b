"""Per-Trust outboxes: what a load tells each Trust about its returns.

Every load (``sws load``, the landing sensor's runs, the ingest jobs: all go through the ingest
asset, which calls ``write_outboxes``) leaves each org with a return in it
``$SWS_HOME/outbox/<ORG>/<period>/``, holding:

- ``receipt_<file>.json`` and ``receipt_<file>.txt`` for each file version: name, version,
  SHA-256, rows in / loaded / quarantined, or why it was refused or that a later version
  superseded it, and when it was received and loaded;
- ``failures_<ORG>_<period>.xlsx``: every failure of the org's current returns of the period
  and its refused files, from the warehouse (identifiers masked), as ``sws failures --xlsx``
  (``sws load``, one run per return, writes it once, after its last run: ``write_missing_books``);
- ``<file>_annotated.xlsx`` for each return with failing rows: the Trust's own file (the
  archived copy) with each failing cell marked and explained, to fix and submit again; for a
  refused file, a one-sheet workbook saying why. Writing a workbook costs time (about 15 s per
  100,000 rows here), so copies are made where a load brings at most ``annotate_max_files``
  failing returns (a landing sensor run brings one; a regional catch-up load, hundreds) of at
  most ``annotate_max_rows`` rows each (``[tool.sws.outbox]``), whose archived copy is still
  kept. Otherwise the failures list covers them, and ``sws validate FILE --annotate`` makes the
  copy on demand.

An org's folder holds only its own returns. Folders are owner-only (0700, files 0600) unless
``[tool.sws.outbox.groups]`` names a Unix group for the org: that group then reads the org's
folder (0750, files 0640), and the outbox root is 0711 so that a member can reach their own
folder without listing the others'.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from contracts.files import RefusedFile, parse_name
from contracts.limits import EXCEL_MAX_ROWS
from pipelines.failures import failures_of
from pipelines.feedback.annotated import write_annotated
from pipelines.feedback.failures_book import write_failures_book
from pipelines.ingest.archive import archived_path
from pipelines.ingest.landing import BEING_WRITTEN
from pipelines.ingest.outcomes import LoadOutcome
from pipelines.private import OWNER_DIR, group_id, private_dir, private_file, write_private_text
from pipelines.settings import Settings, sws_config
from pipelines.warehouse import connect

ANNOTATED_SUFFIX = "_annotated.xlsx"
REACHABLE_ROOT = 0o711  # group members pass through to their own Trust's folder, list nothing
NEW_WORK = ("loaded", "refused")
NOT_YET = ("not loaded", BEING_WRITTEN)  # nothing to tell a Trust until a load reads it


@dataclass(frozen=True)
class OutboxPolicy:
    gids: dict[str, int] = field(default_factory=dict)  # org -> group that may read its outbox
    annotate_max_rows: int = 100_000
    annotate_max_files: int = 10

    def __post_init__(self) -> None:
        # a larger copy would not fit a worksheet: the load would publish, then fail here
        if not 0 <= self.annotate_max_rows <= EXCEL_MAX_ROWS - 1:
            raise ValueError(
                f"[tool.sws.outbox] annotate_max_rows must be from 0 to {EXCEL_MAX_ROWS - 1:,} "
                "(the rows a worksheet holds below its header)"
            )
        if self.annotate_max_files < 0:
            raise ValueError("[tool.sws.outbox] annotate_max_files must be 0 or more")

    @classmethod
    def configured(cls) -> OutboxPolicy:
        """``[tool.sws.outbox]``; ValueError naming a group that does not exist or a limit out
        of range (checked before a load, so a misconfiguration loads nothing rather than
        leaving no outbox)."""
        config = sws_config().get("outbox", {})
        gids = {org: group_id(name) for org, name in config.get("groups", {}).items()}
        return cls(
            gids,
            int(config.get("annotate_max_rows", cls.annotate_max_rows)),
            int(config.get("annotate_max_files", cls.annotate_max_files)),
        )


def failures_book_name(org: str, period: str) -> str:
    return f"failures_{org}_{period}.xlsx"


def annotated_name(file_name: str) -> str:
    return f"{Path(file_name).stem}{ANNOTATED_SUFFIX}"


def write_outboxes(
    settings: Settings,
    outcomes: Iterable[LoadOutcome],
    *,
    policy: OutboxPolicy | None = None,
    books: bool = True,
) -> list[Path]:
    """The outbox of every (org, period) with a file loaded or refused in ``outcomes``, or
    with a receipt missing (a load whose outboxes were not written); the folders written.

    ``books=False``: each folder's failures list is removed, not rewritten, for
    ``write_missing_books`` to write once a load of several runs ends (``sws load``: one
    run per return would otherwise rewrite the same list once for each).
    """
    policy = policy or OutboxPolicy.configured()
    gids = policy.gids
    outcomes = list(outcomes)
    failing = [o for o in outcomes if o.status == "loaded" and o.quarantined]
    annotate = len(failing) <= policy.annotate_max_files
    by_folder: dict[tuple[str, str], list[LoadOutcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.org is not None and outcome.status not in NOT_YET:
            by_folder[(outcome.org, outcome.period)].append(outcome)
    due = {
        key: group
        for key, group in by_folder.items()
        if any(o.status in NEW_WORK or not _receipts_exist(settings, o) for o in group)
    }
    if not due:
        return []
    root = private_dir(settings.outbox, top=settings.outbox)
    root.chmod(REACHABLE_ROOT if gids else OWNER_DIR)
    written = []
    with connect(settings.warehouse, read_only=True) as con:
        for (org, period), group in sorted(due.items()):
            folder = settings.outbox / org / period
            private_dir(folder, top=settings.outbox / org, gid=gids.get(org))
            limit = policy.annotate_max_rows if annotate else -1  # -1: no copy of rows
            _write_folder(settings, con, folder, org, period, group, limit, gids.get(org), books)
            written.append(folder)
    return written


def write_missing_books(settings: Settings, *, policy: OutboxPolicy | None = None) -> list[Path]:
    """The failures list of every outbox folder that has receipts but no list: one removed by
    ``write_outboxes(books=False)``, or by a load stopped before it was written again."""
    gids = (policy or OutboxPolicy.configured()).gids
    due = [
        (folder, org.name, folder.name)
        for org in _folders(settings.outbox)
        for folder in _folders(org)
        if not (folder / failures_book_name(org.name, folder.name)).exists()
        and any(folder.glob(_receipt_name("*")))
    ]
    if not due:
        return []
    with connect(settings.warehouse, read_only=True) as con:
        for folder, org, period in due:
            _write_book(con, folder, org, period, gids.get(org))
    return [folder for folder, _, _ in due]


def _folders(path: Path) -> list[Path]:
    """The real folders in ``path`` (a link is not followed)."""
    if not path.is_dir() or path.is_symlink():
        return []
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink())


def _receipts_exist(settings: Settings, outcome: LoadOutcome) -> bool:
    return (settings.outbox / outcome.org / outcome.period / _receipt_name(outcome.file)).exists()


def _receipt_name(file_name: str, suffix: str = ".json") -> str:
    return f"receipt_{file_name}{suffix}"


def _write_folder(settings, con, folder: Path, org, period, group, max_rows, gid, book) -> None:
    records = _records(con, org, period)
    if book:
        _write_book(con, folder, org, period, gid)
    else:  # out of date: written once the load ends (write_missing_books)
        (folder / failures_book_name(org, period)).unlink(missing_ok=True)
    for outcome in group:
        if outcome.status != "superseded":
            _annotate(settings, con, folder, outcome, records, max_rows, gid)
    now = dt.datetime.now().isoformat(timespec="seconds")
    for outcome in group:
        receipt = _receipt(outcome, records.get((outcome.file, outcome.version)), now)
        annotated = (folder / annotated_name(outcome.file)).exists()
        write_private_text(
            folder / _receipt_name(outcome.file), json.dumps(receipt, indent=2) + "\n", gid=gid
        )
        text = _as_text(receipt, annotated=annotated)
        write_private_text(folder / _receipt_name(outcome.file, ".txt"), text, gid=gid)


def _write_book(con, folder: Path, org: str, period: str, gid: int | None) -> None:
    book = folder / failures_book_name(org, period)
    write_failures_book(book, failures_of(con, org=org, period=period), org=org, period=period)
    private_file(book, gid=gid)


def _records(con: duckdb.DuckDBPyConnection, org: str, period: str) -> dict[tuple, dict]:
    """The org's file versions of the period: (file name, version) -> the latest record."""
    rows = con.execute(
        "select file_name, version, collection, sha256, received_at, loaded_at, rows, loaded, "
        "quarantined, refused, is_current from ingest.file_versions "
        "where org = ? and period = ? order by received_at",
        [org, period],
    ).fetchall()
    keys = (
        "file_name",
        "version",
        "collection",
        "sha256",
        "received_at",
        "loaded_at",
        "rows",
        "loaded",
        "quarantined",
        "refused",
        "is_current",
    )
    return {(row[0], row[1]): dict(zip(keys, row, strict=True)) for row in rows}


def _receipt(outcome: LoadOutcome, record: dict | None, now: str) -> dict:
    record = record or {}
    status = outcome.status
    if status == "unchanged":
        status = "refused" if record.get("refused") else "loaded"
    return {
        "file": outcome.file,
        "collection": outcome.collection,
        "org": outcome.org,
        "period": outcome.period,
        "version": outcome.version,
        "sha256": record.get("sha256"),
        "status": status,
        "rows": record.get("rows"),
        "loaded": record.get("loaded"),
        "quarantined": record.get("quarantined"),
        "refused": record.get("refused") or outcome.refused,
        "received_at": _iso(record.get("received_at")),
        "loaded_at": _iso(record.get("loaded_at")),
        "receipt_written_at": now,
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def _as_text(receipt: dict, *, annotated: bool) -> str:
    lines = [
        f"Receipt for {receipt['file']}",
        f"return:    {receipt['collection']} of {receipt['org']} for {receipt['period']}, "
        f"version {receipt['version']}",
        f"SHA-256:   {receipt['sha256'] or 'not read'}",
        f"received:  {receipt['received_at'] or '-'}",
        f"loaded:    {receipt['loaded_at'] or '-'}",
        f"status:    {receipt['status']}",
    ]
    if receipt["status"] == "superseded":
        lines.append("A later version of this return replaced it; it was not loaded.")
    elif receipt["refused"]:
        lines += [
            f"refused:   {receipt['refused']}",
            "Nothing of this file was loaded; a version before it, if any, stays in place.",
        ]
    else:
        lines.append(
            f"rows in:   {receipt['rows']} = {receipt['loaded']} loaded + "
            f"{receipt['quarantined']} quarantined"
        )
    if receipt["quarantined"] or receipt["refused"]:
        lines.append(
            f"What failed and why: {failures_book_name(receipt['org'], receipt['period'])}."
        )
    if annotated and receipt["quarantined"]:
        lines.append(
            f"{annotated_name(receipt['file'])} is your own file with the failing cells marked:"
            f" fix them and submit it as {_next_version(receipt)}."
        )
    elif receipt["quarantined"]:
        lines.append(
            f"To see the failing cells marked in your own file: sws validate {receipt['file']}"
            f" --annotate {_next_version(receipt)}"
        )
    return "\n".join(lines) + "\n"


def _next_version(receipt: dict) -> str:
    collection, org, period = receipt["collection"], receipt["org"], receipt["period"]
    return f"{collection}_{org}_{period}_v{receipt['version'] + 1}.xlsx"


def _annotate(settings, con, folder: Path, outcome: LoadOutcome, records, max_rows, gid) -> None:
    """The annotated copy of a failing return of at most ``max_rows`` rows, or of a refused
    one; out-of-date copies of its return go."""
    record = records.get((outcome.file, outcome.version)) or {}
    out = folder / annotated_name(outcome.file)
    if outcome.status not in NEW_WORK and out.exists():
        return  # written by the load that read it
    _remove_other_copies(folder, outcome, keep=out)
    if not (record.get("quarantined") or record.get("refused")):
        out.unlink(missing_ok=True)
        return
    source = archived_path(settings.archive, outcome.collection, outcome.file, record["sha256"])
    if record.get("refused"):
        write_annotated(
            out, source, file_name=outcome.file, failures=_no_failures(), refused=record["refused"]
        )
    elif source.exists() and record["rows"] <= max_rows:
        write_annotated(out, source, file_name=outcome.file, failures=_quarantined(con, outcome))
    else:
        return  # purged from the archive, or too large: the failures list covers it
    private_file(out, gid=gid)


def _remove_other_copies(folder: Path, outcome: LoadOutcome, *, keep: Path) -> None:
    """Annotated copies of earlier versions of the same return are out of date."""
    for path in folder.glob(f"*{ANNOTATED_SUFFIX}"):
        try:
            named = parse_name(Path(path.name.removesuffix(ANNOTATED_SUFFIX) + ".xlsx"))
        except RefusedFile:
            continue
        if named.collection == outcome.collection and path != keep:
            path.unlink()


def _quarantined(con, outcome: LoadOutcome) -> pl.DataFrame:
    return con.sql(
        'select "row", "column", rule from ingest.quarantine '
        "where collection = ? and org = ? and period = ? and version = ? and file_name = ?",
        params=[outcome.collection, outcome.org, outcome.period, outcome.version, outcome.file],
    ).pl()


def _no_failures() -> pl.DataFrame:
    return pl.DataFrame(schema={"row": pl.Int64, "column": pl.String, "rule": pl.String})
