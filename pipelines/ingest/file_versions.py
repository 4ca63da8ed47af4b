"""``ingest.file_versions``: every file version seen, and what became of it.

A slot's outcome is decided newest version first: versions older than the one in place are
superseded; a file seen before (same version, same bytes) keeps its recorded outcome. A
refused version supersedes nothing: the version before it stays in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from contracts.files import RefusedFile, ReturnFile, refusal
from contracts.landed import StillBeingWritten
from contracts.validate import CheckedReturn
from pipelines.ingest.frames import registered
from pipelines.ingest.landing import (
    BEING_WRITTEN,
    Hashed,
    Known,
    Slot,
    discover,
    file_sha256,
    settled_digests,
)
from pipelines.ingest.outcomes import LOAD_FAILED, LoadOutcome

Decide = Callable[[ReturnFile, str], LoadOutcome]  # (file, digest) -> outcome
# ingest.landed_digests (pipelines/warehouse/schema.py): a file's state, then its digest
LANDED_DIGESTS = {
    "device": pl.UInt64,
    "inode": pl.UInt64,
    "size": pl.UInt64,
    "modified_ns": pl.Int64,
    "changed_ns": pl.Int64,
    "sha256": pl.String,
}
# the versions whose recorded outcome stands for the same file landed again: the one in
# place, or one refused for what it holds (not one whose load failed: that is tried again)
KNOWN = "(is_current or (refused is not null and not contains(refused, ?)))"


@dataclass(frozen=True)
class RecordedVersions:
    """What ``walk`` looks up, read in two queries for a walk that records nothing (a plan, a
    load's report): asked file by file, it is two queries per landed file (~2 ms each)."""

    current: dict[Slot, int]  # the version in place, by slot
    known: dict[tuple[Slot, int, str], tuple]  # (slot, version, sha256): the KNOWN outcomes

    def current_version(self, slot: Slot) -> int | None:
        return self.current.get(slot)

    def known_outcome(self, file: ReturnFile, digest: str) -> LoadOutcome | None:
        found = self.known.get((file.slot, file.version, digest))
        return _unchanged(file, found) if found else None


@dataclass(frozen=True)
class _AskedVersions:
    """The same lookups, asked of the warehouse file by file (a walk that records versions)."""

    con: duckdb.DuckDBPyConnection

    def current_version(self, slot: Slot) -> int | None:
        return current_version(self.con, slot)

    def known_outcome(self, file: ReturnFile, digest: str) -> LoadOutcome | None:
        return known_outcome(self.con, file, digest)


def recorded_versions(con: duckdb.DuckDBPyConnection) -> RecordedVersions:
    current = con.execute(
        "select collection, org, period, max(version) from ingest.file_versions "
        "where is_current group by all"
    ).fetchall()
    known = con.execute(
        "select collection, org, period, version, sha256, rows, loaded, quarantined, refused "
        f"from ingest.file_versions where {KNOWN}",
        [LOAD_FAILED],
    ).fetchall()
    return RecordedVersions(
        current={tuple(row[:3]): row[3] for row in current},
        known={(tuple(row[:3]), row[3], row[4]): row[5:] for row in known},
    )


def walk(
    con: duckdb.DuckDBPyConnection,
    files: list[ReturnFile],
    unknown: Decide,
    *,
    new=False,
    known: Known | None = None,
    recorded: RecordedVersions | None = None,
) -> list:
    """Each file's outcome, newest version first, until one is in place.

    ``unknown(file, digest)`` decides for a file not seen before. ``new``: no version of the
    slot is recorded (the caller knows it from ``recorded_slots``): nothing is looked up
    until ``unknown`` has been asked (it may record one). ``known``: ``recorded_digests``,
    so that a file as it was when loaded is not read again. ``recorded``: looked up instead
    of the warehouse, when ``unknown`` records nothing (else it would be out of date).
    """
    versions = _AskedVersions(con) if recorded is None else recorded
    outcomes = []
    settled = False
    for file in sorted(files, key=lambda f: (f.version, f.path.name), reverse=True):
        current = None if new else versions.current_version(file.slot)
        if settled or (current is not None and current > file.version):
            outcomes.append(LoadOutcome.of(file, "superseded", superseded=True))
            continue
        try:
            digest = file_sha256(file.path, known)
        except StillBeingWritten:
            outcomes.append(LoadOutcome.of(file, BEING_WRITTEN))
            continue
        except RefusedFile as error:  # no longer a regular file, or gone: nothing is read
            outcomes.append(LoadOutcome.of(file, "refused", refused=refusal(file.path, error)))
            continue
        outcome = None if new else versions.known_outcome(file, digest)
        if outcome is None:
            outcome, new = unknown(file, digest), False
        outcomes.append(outcome)
        settled = outcome.status in ("loaded", "unchanged") and outcome.refused is None
    return outcomes[::-1]


def _not_loaded(file: ReturnFile, digest: str) -> LoadOutcome:
    return LoadOutcome.of(file, "not loaded")


def is_loaded(
    con: duckdb.DuckDBPyConnection,
    files: list[ReturnFile],
    *,
    new=False,
    known=None,
    recorded: RecordedVersions | None = None,
) -> bool:
    """True when every file of a slot that matters is known already: nothing to load.
    ``new``, ``known``, ``recorded``: as ``walk``'s."""
    # (also asked before checking a batch: hashing is cached per file state)
    outcomes = walk(con, files, _not_loaded, new=new, known=known, recorded=recorded)
    return all(o.status != "not loaded" for o in outcomes)


def recorded_digests(con: duckdb.DuckDBPyConnection) -> Known:
    """The digests of landed files recorded with their state by earlier loads (none in a
    warehouse made before they were kept, which a read-only planner cannot add to)."""
    [(kept,)] = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'ingest' and table_name = 'landed_digests'"
    ).fetchall()
    if not kept:
        return {}
    found = con.execute(
        "select device, inode, size, modified_ns, changed_ns, sha256 from ingest.landed_digests"
    ).fetchall()
    return {(row[0], row[1]): (tuple(row[:5]), row[5]) for row in found}


def recorded_slots(con: duckdb.DuckDBPyConnection) -> set[Slot]:
    """Every slot with a file version recorded: one query, where a load of many slots would
    otherwise ask two for each file of each slot (a first load has none to find)."""
    found = con.execute("select distinct collection, org, period from ingest.file_versions")
    return set(found.fetchall())


def summarise(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    *,
    settle_seconds: float = 0.0,
    known: Known | None = None,
) -> list[LoadOutcome]:
    """What the warehouse holds for every file in ``landing``: the per-file report of a load.
    ``known``: ``recorded_digests``, when the caller has them already."""
    slots, outcomes = discover(landing, settle_seconds=settle_seconds)
    known = recorded_digests(con) if known is None else known
    recorded = recorded_versions(con)
    for files in slots.values():
        outcomes += walk(con, files, _not_loaded, known=known, recorded=recorded)
    return sorted(outcomes, key=lambda o: (o.collection or "", o.org or "", o.period or "", o.file))


def current_version(con: duckdb.DuckDBPyConnection, slot: Slot) -> int | None:
    found = con.execute(
        "select max(version) from ingest.file_versions "
        "where collection = ? and org = ? and period = ? and is_current",
        list(slot),
    ).fetchall()
    return found[0][0]


def known_outcome(con, file: ReturnFile, digest: str) -> LoadOutcome | None:
    """The outcome recorded when this very file (same version, same bytes) came before."""
    found = con.execute(
        "select rows, loaded, quarantined, refused from ingest.file_versions "
        "where collection = ? and org = ? and period = ? and version = ? and sha256 = ? "
        f"and {KNOWN}",
        [*file.slot, file.version, digest, LOAD_FAILED],
    ).fetchall()
    return _unchanged(file, found[0]) if found else None


def _unchanged(file: ReturnFile, recorded: tuple) -> LoadOutcome:
    rows, loaded, quarantined, refused = recorded
    return LoadOutcome.of(
        file, "unchanged", rows=rows, loaded=loaded, quarantined=quarantined, refused=refused
    )


def record_version(
    con, file: ReturnFile, digest, received_at, checked: CheckedReturn, *, is_current, new=False
) -> None:
    """Record a file version; ``new``: no row of its version exists (a plain insert, 3x cheaper)."""
    loaded = None if checked.refused else checked.passed
    quarantined = None if checked.refused else checked.failed
    con.execute(
        f"insert {'' if new else 'or replace '}into ingest.file_versions values "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            *file.slot,
            file.version,
            file.path.name,
            digest,
            received_at,
            None if checked.refused else dt.datetime.now(),
            None if checked.refused else checked.rows,
            loaded,
            quarantined,
            checked.refused,
            "; ".join(checked.warnings) or None,
            is_current,
        ],
    )


def remember_digests(con, hashed: list[Hashed]) -> None:
    """Keep digests beside the file states they were hashed in (one statement: a statement
    per file costs ~5 ms, more than loading a small return)."""
    if not hashed:
        return
    # one row per (device, inode): a statement that names a key twice would fail the batch
    latest = {file_state[:2]: (file_state, digest) for file_state, digest in hashed}
    rows = pl.DataFrame(
        [[*file_state, digest] for file_state, digest in latest.values()],
        schema=LANDED_DIGESTS,
        orient="row",
    )
    with registered(con, "hashed_files", rows):
        con.execute("insert or replace into ingest.landed_digests by name from hashed_files")


def digests_to_remember(known: Known) -> list[Hashed]:
    """What this process hashed settled and ``known`` (``recorded_digests``) lacks: the files
    of a warehouse loaded before digests were kept, say, which no ingest run loads again."""
    return [hashed for hashed in settled_digests() if known.get(hashed[0][:2]) != hashed]
