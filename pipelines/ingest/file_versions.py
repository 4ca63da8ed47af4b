"""``ingest.file_versions``: every file version seen, and what became of it.

A slot's outcome is decided newest version first: versions older than the one in place are
superseded; a file seen before (same version, same bytes) keeps its recorded outcome. A
refused version supersedes nothing: the version before it stays in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb

from contracts.files import RefusedFile, ReturnFile, refusal
from contracts.landed import StillBeingWritten
from contracts.validate import CheckedReturn
from pipelines.ingest.landing import BEING_WRITTEN, Slot, discover, file_sha256
from pipelines.ingest.outcomes import LOAD_FAILED, LoadOutcome

Decide = Callable[[ReturnFile, str], LoadOutcome]  # (file, digest) -> outcome


def walk(
    con: duckdb.DuckDBPyConnection, files: list[ReturnFile], unknown: Decide, *, new=False
) -> list:
    """Each file's outcome, newest version first, until one is in place.

    ``unknown(file, digest)`` decides for a file not seen before. ``new``: no version of the
    slot is recorded (the caller knows it from ``recorded_slots``): nothing is looked up
    until ``unknown`` has been asked (it may record one).
    """
    outcomes = []
    settled = False
    for file in sorted(files, key=lambda f: (f.version, f.path.name), reverse=True):
        current = None if new else current_version(con, file.slot)
        if settled or (current is not None and current > file.version):
            outcomes.append(LoadOutcome.of(file, "superseded", superseded=True))
            continue
        try:
            digest = file_sha256(file.path)
        except StillBeingWritten:
            outcomes.append(LoadOutcome.of(file, BEING_WRITTEN))
            continue
        except RefusedFile as error:  # no longer a regular file, or gone: nothing is read
            outcomes.append(LoadOutcome.of(file, "refused", refused=refusal(file.path, error)))
            continue
        outcome = None if new else known_outcome(con, file, digest)
        if outcome is None:
            outcome, new = unknown(file, digest), False
        outcomes.append(outcome)
        settled = outcome.status in ("loaded", "unchanged") and outcome.refused is None
    return outcomes[::-1]


def _not_loaded(file: ReturnFile, digest: str) -> LoadOutcome:
    return LoadOutcome.of(file, "not loaded")


def is_loaded(con: duckdb.DuckDBPyConnection, files: list[ReturnFile], *, new=False) -> bool:
    """True when every file of a slot that matters is known already: nothing to load.
    ``new``: as ``walk``'s."""
    # (also asked before checking a batch: hashing is cached per file state)
    return all(o.status != "not loaded" for o in walk(con, files, _not_loaded, new=new))


def recorded_slots(con: duckdb.DuckDBPyConnection) -> set[Slot]:
    """Every slot with a file version recorded: one query, where a load of many slots would
    otherwise ask two for each file of each slot (a first load has none to find)."""
    found = con.execute("select distinct collection, org, period from ingest.file_versions")
    return set(found.fetchall())


def summarise(
    con: duckdb.DuckDBPyConnection, landing: Path, *, settle_seconds: float = 0.0
) -> list[LoadOutcome]:
    """What the warehouse holds for every file in ``landing``: the per-file report of a load."""
    slots, outcomes = discover(landing, settle_seconds=settle_seconds)
    for files in slots.values():
        outcomes += walk(con, files, _not_loaded)
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
        "and (is_current or (refused is not null and not contains(refused, ?)))",
        [*file.slot, file.version, digest, LOAD_FAILED],
    ).fetchall()
    if not found:
        return None
    rows, loaded, quarantined, refused = found[0]
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
