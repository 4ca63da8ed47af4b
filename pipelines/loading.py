"""Load returns from the landing folder into the warehouse: one (collection, org, period) at a time.

The latest version of a return replaces any earlier one whole, in one transaction; every file
version is archived as submitted; a file already loaded unchanged is not loaded again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import shutil
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import polars as pl

from contracts.files import RefusedFile, ReturnFile, parse_name, refusal
from contracts.validate import CheckedReturn, check_file, check_files
from pipelines.ingest.pseudonyms import pseudonymise
from pipelines.warehouse import slot_rows

Slot = tuple[str, str, str]  # (collection, org, period)


@dataclass
class LoadOutcome:
    """One landed file's result: the per-file line of ``sws load``."""

    file: str
    collection: str | None
    org: str | None
    period: str | None
    version: int | None
    rows: int | None
    loaded: int | None
    quarantined: int | None
    superseded: bool
    refused: str | None
    status: str  # loaded | unchanged | superseded | refused | not loaded

    def as_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "status"}


def discover(landing: Path) -> tuple[dict[Slot, list[ReturnFile]], list[LoadOutcome]]:
    """The returns in ``landing`` by slot, and the files refused for their name alone.

    Returns sit one folder down, ``<landing>/<collection>/<file>`` (returns.md, Files); files
    at the top of the landing folder are not returns (e.g. notes, ``planted_faults.csv``).
    """
    slots: dict[Slot, list[ReturnFile]] = defaultdict(list)
    refused = []
    for path in sorted(
        p for p in landing.glob("*/*") if p.is_file() and not p.name.startswith(".")
    ):
        try:
            file = parse_name(path)
        except RefusedFile as error:
            refused.append(_outcome_for_name(path, refusal(path, error)))
            continue
        slots[file.slot].append(file)
    return dict(slots), refused


def _outcome_for_name(path: Path, reason: str) -> LoadOutcome:
    return LoadOutcome(
        path.name, None, None, None, None, None, None, None, False, reason, "refused"
    )


# Returns of one collection are checked together, a batch of files at a time: each rule then
# runs once per batch rather than once per file, and memory stays bounded.
BATCH_BYTES = 256 * 2**20


def load_slots(
    con: duckdb.DuckDBPyConnection,
    slots: list[list[ReturnFile]],
    *,
    archive: Path,
    key: bytes,
    progress: Callable[[list[LoadOutcome]], None] = lambda outcomes: None,
) -> list[LoadOutcome]:
    """Load many slots (each a list of its files); ``progress`` hears each slot's outcomes.

    A batch of slots is one transaction: a commit costs a disk sync (~17 ms here), more than
    loading a small return. A load killed mid-batch leaves the batches before it.
    """
    batches = list(_batches(slots))
    # what to check is known up front (batches hold different slots), so the next batch is
    # checked in a thread (polars works outside the GIL) while this one is written
    todo = [[latest_file(f).path for f in batch if not is_loaded(con, f)] for batch in batches]
    outcomes = []
    with ThreadPoolExecutor(max_workers=1) as checker:
        ahead = checker.submit(_check, todo[0]) if batches else None
        for number, batch in enumerate(batches):
            checked = ahead.result()
            if number + 1 < len(batches):  # one batch ahead at most: memory stays bounded
                ahead = checker.submit(_check, todo[number + 1])
            outcomes += _load_batch(con, batch, archive, key, checked, progress)
    return outcomes


def _check(paths: list[Path]) -> dict[Path, CheckedReturn]:
    return {result.path: result for result in check_files(paths)}


def _load_batch(con, batch, archive: Path, key: bytes, checked, progress) -> list[LoadOutcome]:
    with _transaction(con):
        loaded = [_load_slot(con, files, archive, key, checked) for files in batch]
    for slot_outcomes in loaded:  # reported once committed
        progress(slot_outcomes)
    return [outcome for slot_outcomes in loaded for outcome in slot_outcomes]


def _batches(slots: list[list[ReturnFile]]):
    batch, size = [], 0
    for files in slots:
        batch.append(files)
        size += latest_file(files).path.stat().st_size
        if size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def latest_file(files: list[ReturnFile]) -> ReturnFile:
    return max(files, key=lambda f: (f.version, f.path.name))


def load_slot(
    con: duckdb.DuckDBPyConnection,
    files: list[ReturnFile],
    *,
    archive: Path,
    key: bytes,
) -> list[LoadOutcome]:
    """Load the latest acceptable version of one slot, in one transaction; report every file.

    A refused resubmission leaves the version before it in place, in whatever order the
    files arrived. Every file version is archived.
    """
    with _transaction(con):
        return _load_slot(con, files, archive, key, {})


def _load_slot(con, files: list[ReturnFile], archive: Path, key: bytes, checked) -> list:
    """``load_slot`` inside the caller's transaction; ``checked`` holds files checked already."""
    for file in files:
        _archive(file, archive, file_sha256(file.path))
    return _walk(
        con,
        files,
        lambda file, digest: _load_file(
            con, file, digest, key, checked.get(file.path) or check_file(file.path)
        ),
    )


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection):
    """Rows, file versions and quarantine change together or not at all."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _load_file(con, file: ReturnFile, digest: str, key: bytes, checked) -> LoadOutcome:
    received_at = dt.datetime.fromtimestamp(file.path.stat().st_mtime)  # when it landed
    if checked.refused:
        _record(con, file, digest, received_at, checked, is_current=False)
        return _outcome(file, checked, "refused")
    rows = slot_rows(
        file.collection,
        pseudonymise(checked.valid, key=key, org=file.org),
        org=file.org,
        period=file.period,
        version=file.version,
    )
    _replace_slot(con, file, digest, received_at, checked, rows)
    return _outcome(file, checked, "loaded")


def _walk(con, files: list[ReturnFile], unknown) -> list[LoadOutcome]:
    """Each file's outcome, newest version first, until one is in place.

    Versions older than the one in place are superseded; a file seen before (same version,
    same bytes) keeps its outcome; ``unknown(file, digest)`` decides for any other.
    """
    outcomes = []
    settled = False
    for file in sorted(files, key=lambda f: (f.version, f.path.name), reverse=True):
        current = _current_version(con, file.slot)
        if settled or (current is not None and current > file.version):
            outcomes.append(_superseded(file))
            continue
        digest = file_sha256(file.path)
        outcome = _known(con, file, digest) or unknown(file, digest)
        outcomes.append(outcome)
        settled = outcome.status in ("loaded", "unchanged")
    return outcomes[::-1]


def _replace_slot(con, file: ReturnFile, digest, received_at, checked: CheckedReturn, rows) -> None:
    collection, org, period = file.slot
    # A first load of a slot has nothing to replace: skip the deletes, which scan the table.
    [(has_current, has_version)] = con.execute(
        "select bool_or(is_current), bool_or(version = ?) from ingest.file_versions "
        "where collection = ? and org = ? and period = ?",
        [file.version, collection, org, period],
    ).fetchall()
    if has_current:
        con.execute(f"delete from returns.{collection} where org = ? and period = ?", [org, period])
        con.execute(
            "update ingest.file_versions set is_current = false "
            "where collection = ? and org = ? and period = ?",
            [collection, org, period],
        )
    con.register("new_rows", rows)
    con.execute(f"insert into returns.{collection} by name from new_rows")
    con.unregister("new_rows")
    _record(con, file, digest, received_at, checked, is_current=True, new=not has_version)
    if has_version:
        con.execute(
            "delete from ingest.quarantine where collection = ? and org = ? and period = ? "
            "and version = ?",
            [collection, org, period, file.version],
        )
    failures = checked.failures.select(
        pl.lit(collection).alias("collection"),
        pl.lit(org).alias("org"),
        pl.lit(period).alias("period"),
        pl.lit(file.version).alias("version"),
        pl.lit(file.path.name).alias("file_name"),
        pl.all(),
    )
    con.register("new_failures", failures)
    con.execute("insert into ingest.quarantine by name from new_failures")
    con.unregister("new_failures")


def _record(
    con, file: ReturnFile, digest, received_at, checked: CheckedReturn, *, is_current, new=False
):
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


def summarise(con, landing: Path) -> list[LoadOutcome]:
    """What the warehouse holds for every file in ``landing``: the per-file report of a load."""
    slots, outcomes = discover(landing)
    for files in slots.values():
        outcomes += _walk(con, files, lambda file, digest: _not_loaded(file))
    return sorted(outcomes, key=lambda o: (o.collection or "", o.org or "", o.period or "", o.file))


def _not_loaded(file: ReturnFile) -> LoadOutcome:
    return LoadOutcome(
        file.path.name, *file.slot, file.version, None, None, None, False, None, "not loaded"
    )


def is_loaded(con, files: list[ReturnFile]) -> bool:
    """True when every file of a slot that matters is known already: nothing to load."""
    # (also asked before checking a batch: hashing is cached per file state)
    return all(o.status != "not loaded" for o in _walk(con, files, lambda f, d: _not_loaded(f)))


def _current_version(con, slot: Slot) -> int | None:
    found = con.execute(
        "select max(version) from ingest.file_versions "
        "where collection = ? and org = ? and period = ? and is_current",
        list(slot),
    ).fetchall()
    return found[0][0]


def _known(con, file: ReturnFile, digest: str) -> LoadOutcome | None:
    """The outcome recorded when this very file (same version, same bytes) came before."""
    found = con.execute(
        "select rows, loaded, quarantined, refused from ingest.file_versions "
        "where collection = ? and org = ? and period = ? and version = ? and sha256 = ? "
        "and (is_current or refused is not null)",
        [*file.slot, file.version, digest],
    ).fetchall()
    if not found:
        return None
    rows, loaded, quarantined, refused = found[0]
    return LoadOutcome(
        file.path.name,
        *file.slot,
        file.version,
        rows,
        loaded,
        quarantined,
        False,
        refused,
        "unchanged",
    )


def _outcome(file: ReturnFile, checked: CheckedReturn, status: str) -> LoadOutcome:
    if checked.refused:
        return LoadOutcome(
            file.path.name,
            *file.slot,
            file.version,
            None,
            None,
            None,
            False,
            checked.refused,
            status,
        )
    return LoadOutcome(
        file.path.name,
        *file.slot,
        file.version,
        checked.rows,
        checked.passed,
        checked.failed,
        False,
        None,
        status,
    )


def _superseded(file: ReturnFile) -> LoadOutcome:
    """An earlier version: kept in the archive, not loaded."""
    return LoadOutcome(
        file.path.name, *file.slot, file.version, None, None, None, True, None, "superseded"
    )


def _archive(file: ReturnFile, archive: Path, digest: str) -> Path:
    """Keep the file version as submitted; its digest in the name, so nothing is overwritten."""
    target = archive / file.collection / f"{digest[:12]}_{file.path.name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file.path, target)
        target.chmod(0o600)
    return target


def file_sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_of(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _sha256_of(path: Path, size: int, mtime_ns: int) -> str:
    """Hash once per file state: planning and loading both ask."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
