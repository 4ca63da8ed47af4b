"""Load returns into the warehouse: one (collection, org, period) slot at a time.

The latest version of a return replaces any earlier one whole, in one transaction; every file
version is archived as submitted; a file already loaded unchanged is not loaded again.

One file never fails another's load: an unexpected error while loading a slot is that slot's
alone (its latest file is recorded as not loaded, and tried again at the next load), and the
other slots of its batch are loaded all the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from contracts.files import RefusedFile, ReturnFile
from contracts.landed import StillBeingWritten
from contracts.validate import CheckedReturn, check_files
from pipelines.ingest.archive import archive, was_purged
from pipelines.ingest.file_versions import (
    is_loaded,
    record_version,
    recorded_slots,
    recorded_versions,
    remember_digests,
    walk,
)
from pipelines.ingest.frames import registered
from pipelines.ingest.keys import quarantine_reused_keys, reuse_free
from pipelines.ingest.landing import BEING_WRITTEN, file_sha256, latest_file, settled_digests
from pipelines.ingest.outcomes import LOAD_FAILED, LoadOutcome
from pipelines.ingest.pseudonyms import check_key, pseudonymise, record_key, recorded_fingerprint
from pipelines.settings import file_limits
from pipelines.warehouse import slot_rows

# Returns of one collection are checked together, a batch of files at a time: each rule then
# runs once per batch rather than once per file, and memory stays bounded. Small enough that
# a collection is several batches (SF5's biggest, star, is 161 MB): the next is checked while
# this one is written, where one batch a collection was checked, then written, one core idle.
BATCH_BYTES = 32 * 2**20

Progress = Callable[[list[LoadOutcome]], None]
log = logging.getLogger(__name__)


class FileFailed(Exception):
    """An unexpected error while loading ``file`` (the error is the cause)."""

    def __init__(self, file: ReturnFile):
        super().__init__(file.path.name)
        self.file = file


def load_slots(
    con: duckdb.DuckDBPyConnection,
    slots: list[list[ReturnFile]],
    *,
    archive_dir: Path,
    key: bytes,
    progress: Progress = lambda outcomes: None,
) -> list[LoadOutcome]:
    """Load many slots (each a list of its files); ``progress`` hears each slot's outcomes.

    A batch of slots is one transaction: a commit costs a disk sync (~17 ms here), more than
    loading a small return. A load killed mid-batch leaves the batches before it. A batch
    that fails is loaded again slot by slot (DuckDB has no savepoints), so that only the
    slot that failed is left out. KeyMismatch if ``key`` is not the warehouse's.
    """
    _claim_key(con, key)
    outcomes = []
    recorded = recorded_slots(con)  # a batch changes only its own slots' versions

    def new(files: list[ReturnFile]) -> bool:
        return files[0].slot not in recorded

    for batch, checked in _checked_batches(con, list(_batches(slots)), new, key):
        free = _reuse_free(con, batch, checked)
        try:
            with _transaction(con):
                inserts = PendingRows(con)
                loaded = [
                    _load_slot(
                        con,
                        files,
                        archive_dir,
                        key,
                        checked,
                        new=new(files),
                        free=free,
                        inserts=inserts,
                    )
                    for files in batch
                ]
                inserts.flush()
                # the next plan need not read these files again (once per batch: cheaper)
                remember_digests(con, settled_digests(f.path for files in batch for f in files))
        except Exception:  # rolled back: the batch's slots are as they were
            loaded = [
                _load_slot_alone(con, files, archive_dir, key, checked, new=new(files), free=free)
                for files in batch
            ]
        for slot_outcomes in loaded:  # reported once committed
            progress(slot_outcomes)
        outcomes += [outcome for slot_outcomes in loaded for outcome in slot_outcomes]
    return outcomes


def load_slot(
    con: duckdb.DuckDBPyConnection, files: list[ReturnFile], *, archive_dir: Path, key: bytes
) -> list[LoadOutcome]:
    """Load the latest acceptable version of one slot, in one transaction; report every file.

    A refused resubmission leaves the version before it in place, in whatever order the
    files arrived. Every file version is archived.
    """
    _claim_key(con, key)
    return _load_slot_alone(con, files, archive_dir, key, {})


def _claim_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """KeyMismatch unless ``key`` is the warehouse's; the first load records it."""
    check_key(con, key)
    if recorded_fingerprint(con) is None:
        with _transaction(con):
            record_key(con, key)


def _batches(slots: list[list[ReturnFile]]) -> Iterator[list[list[ReturnFile]]]:
    batch, size = [], 0
    for files in slots:
        batch.append(files)
        size += latest_file(files).path.lstat().st_size
        if size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _checked_batches(
    con, batches: list[list[list[ReturnFile]]], new: Callable[..., bool], key: bytes
):
    """Each batch with its files checked and pseudonymised (``_check``); the next batch is
    checked in a thread while this one is written, one batch ahead at most (memory stays
    bounded). The writer waits on DuckDB outside the GIL, so the thread's hashing costs it
    little. What to check is known up front: batches hold different slots. ``new``: see
    ``walk``."""
    recorded = recorded_versions(con)  # read before any batch is written
    todo = [
        [latest_file(f).path for f in batch if not is_loaded(con, f, new=new(f), recorded=recorded)]
        for batch in batches
    ]
    with ThreadPoolExecutor(max_workers=1) as checker:
        ahead = checker.submit(_check, todo[0], key) if batches else None
        for number, batch in enumerate(batches):
            checked = ahead.result()
            if number + 1 < len(batches):
                ahead = checker.submit(_check, todo[number + 1], key)
            yield batch, checked


def _reuse_free(con, batch: list[list[ReturnFile]], checked: dict[Path, CheckedReturn]):
    """The batch's checked files that reuse no key of another period (``keys.reuse_free``);
    should asking fail, none: each file is then asked alone, as it is loaded."""
    latest = [latest_file(files) for files in batch]
    try:
        return reuse_free(con, [(f, checked[f.path]) for f in latest if f.path in checked])
    except Exception as error:
        log.warning("keys of the batch not compared at once (%s)", type(error).__name__)
        return set()


def _check(paths: list[Path], key: bytes) -> dict[Path, CheckedReturn]:
    """The files checked together, their rows that pass pseudonymised (``write_slot`` then
    has nothing to replace); should checking fail, each alone, so one file's unexpected error
    is its own."""
    limits = file_limits()
    try:
        results = list(check_files(paths, in_landing=True, limits=limits))
    except Exception:
        results = [_check_alone(path, limits) for path in paths]
    return {result.path: _pseudonymised(result, key) for result in results}


def _pseudonymised(result: CheckedReturn, key: bytes) -> CheckedReturn:
    if result.valid is None or result.file is None:
        return result
    try:
        result.valid = pseudonymise(result.valid, key=key, org=result.file.org)
    except Exception as error:
        return CheckedReturn(path=result.path, refused=_failed(result.path, error))
    return result


def _check_alone(path: Path, limits) -> CheckedReturn:
    try:
        return next(check_files([path], in_landing=True, limits=limits))
    except Exception as error:
        return CheckedReturn(path=path, refused=_failed(path, error))


def _failed(path: Path, error: BaseException) -> str:
    """The line for a file an unexpected error stopped, and the error in the log.

    Neither quotes the error's message, which may hold a value from the file: the log gets
    its type and where it was raised, which is what a fix needs.
    """
    where = "".join(traceback.format_tb(error.__traceback__))
    log.error("%s: %s while loading it, raised at\n%s", path.name, type(error).__name__, where)
    return f"{path.name}: {LOAD_FAILED} (an unexpected {type(error).__name__}; see the load log)"


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


def _load_slot_alone(
    con, files: list[ReturnFile], archive_dir: Path, key: bytes, checked, *, new=False, free=None
):
    """One slot in its own transaction; an unexpected error recorded as its latest file's."""
    try:
        with _transaction(con):
            outcomes = _load_slot(con, files, archive_dir, key, checked, new=new, free=free)
            remember_digests(con, settled_digests(f.path for f in files))
            return outcomes
    except Exception as error:
        failed = isinstance(error, FileFailed) and error.__cause__ is not None
        file = error.file if failed else latest_file(files)
        reason = _failed(file.path, error.__cause__ if failed else error)
        try:
            with _transaction(con):
                _record_failure(con, file, reason)
        except Exception as again:  # it cannot even be recorded (gone, say): report it only
            log.error("%s: not recorded (%s)", file.path.name, type(again).__name__)
        return [LoadOutcome.of(file, "refused", refused=reason)]


def _record_failure(con, file: ReturnFile, reason: str) -> None:
    digest = file_sha256(file.path)
    received_at = dt.datetime.fromtimestamp(file.path.lstat().st_mtime)
    failed = CheckedReturn(path=file.path, file=file, refused=reason)
    record_version(con, file, digest, received_at, failed, is_current=False)


def _load_slot(
    con,
    files: list[ReturnFile],
    archive_dir: Path,
    key: bytes,
    checked,
    *,
    new=False,
    free=None,
    inserts: PendingRows | None = None,
) -> list:
    """``load_slot`` inside the caller's transaction; ``checked`` holds files checked already;
    ``new``: see ``walk``; ``free``: files known to reuse no key (``_reuse_free``), emptied
    once a file not among those checked is loaded (its keys were not compared); ``inserts``:
    see ``write_slot``."""
    free = set() if free is None else free
    archived = []
    for file in files:
        try:
            digest = file_sha256(file.path)
            if not was_purged(con, digest):  # retention deleted these bytes: not kept again
                archive(file, archive_dir, digest)
            archived.append(file)
        except (RefusedFile, StillBeingWritten):
            pass  # walk reports it: it is no longer a regular file, or it is being written

    def unknown(file: ReturnFile, digest: str) -> LoadOutcome:
        if file not in archived:
            return LoadOutcome.of(file, BEING_WRITTEN)
        result = checked.get(file.path)
        if result is None:
            result = _check_alone(file.path, file_limits())
            free.clear()
        try:
            return _load_file(
                con, file, digest, key, result, known_free=file.path in free, inserts=inserts
            )
        except Exception as error:
            raise FileFailed(file) from error

    return walk(con, files, unknown, new=new)


def _load_file(
    con, file: ReturnFile, digest: str, key: bytes, checked, *, known_free=False, inserts=None
) -> LoadOutcome:
    if checked.being_written or (checked.sha256 is not None and checked.sha256 != digest):
        return LoadOutcome.of(file, BEING_WRITTEN)  # it changed since: the next load has it
    received_at = dt.datetime.fromtimestamp(file.path.lstat().st_mtime)  # when it landed
    if checked.refused:
        record_version(con, file, digest, received_at, checked, is_current=False)
        return LoadOutcome.of(file, "refused", refused=checked.refused)
    checked = write_slot(
        con, file, digest, received_at, checked, key, known_free=known_free, inserts=inserts
    )
    return LoadOutcome.of(
        file, "loaded", rows=checked.rows, loaded=checked.passed, quarantined=checked.failed
    )


def write_slot(
    con,
    file: ReturnFile,
    digest: str,
    received_at,
    checked: CheckedReturn,
    key: bytes,
    *,
    known_free: bool = False,
    inserts: PendingRows | None = None,
) -> CheckedReturn:
    """A checked file's rows, keys already used elsewhere quarantined and the rest
    pseudonymised (unless ``_check`` did), made its slot's (a load, and a key rotation from
    the archive); the file's result after that quarantine. ``known_free``: it reuses no key
    (``keys.reuse_free``). ``inserts``: the rows wait there, to be inserted with the rest of
    the batch's."""
    if not known_free and inserts is not None:
        inserts.flush()  # the key check reads the returns loaded before this one
    checked = quarantine_reused_keys(con, file, checked, known_free=known_free)
    rows = slot_rows(
        file.collection,
        pseudonymise(checked.valid, key=key, org=file.org),
        org=file.org,
        period=file.period,
        version=file.version,
    )
    replace_slot(con, file, digest, received_at, checked, rows, inserts=inserts)
    return checked


class PendingRows:
    """Slots' new rows, inserted into their returns tables one statement per table (``flush``):
    an insert costs 6-15 ms beyond its rows (620 of them at SF5). The caller flushes before
    anything reads those tables, and before it commits."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con
        self._rows: dict[str, list[pl.DataFrame]] = {}

    def add(self, collection: str, rows: pl.DataFrame) -> None:
        self._rows.setdefault(collection, []).append(rows)

    def flush(self) -> None:
        for collection, frames in self._rows.items():
            _insert(self._con, collection, pl.concat(frames, how="diagonal_relaxed", rechunk=False))
        self._rows.clear()


def _insert(con, collection: str, rows: pl.DataFrame) -> None:
    with registered(con, "new_rows", rows):
        con.execute(f"insert into returns.{collection} by name from new_rows")


def replace_slot(
    con,
    file: ReturnFile,
    digest,
    received_at,
    checked: CheckedReturn,
    rows,
    *,
    inserts: PendingRows | None = None,
) -> None:
    """Make ``rows`` the slot's rows and ``file`` its current version, with its quarantine;
    ``inserts``: where the rows wait for the batch's insert (none: inserted now)."""
    collection, org, period = file.slot
    # A first load of a slot has nothing to replace: skip the deletes, which scan the table.
    [(has_current, has_version)] = con.execute(
        "select bool_or(is_current), bool_or(version = ?) from ingest.file_versions "
        "where collection = ? and org = ? and period = ?",
        [file.version, collection, org, period],
    ).fetchall()
    if has_current:  # no row waiting in ``inserts`` is this slot's: a walk writes one version
        con.execute(f"delete from returns.{collection} where org = ? and period = ?", [org, period])
        con.execute(
            "update ingest.file_versions set is_current = false "
            "where collection = ? and org = ? and period = ?",
            [collection, org, period],
        )
    if inserts is None:
        _insert(con, collection, rows)
    else:
        inserts.add(collection, rows)
    record_version(con, file, digest, received_at, checked, is_current=True, new=not has_version)
    if has_version:
        con.execute(
            "delete from ingest.quarantine where collection = ? and org = ? and period = ? "
            "and version = ?",
            [collection, org, period, file.version],
        )
    if checked.failures.is_empty():
        return  # most files: no statement for nothing to insert
    failures = checked.failures.select(
        pl.lit(collection).alias("collection"),
        pl.lit(org).alias("org"),
        pl.lit(period).alias("period"),
        pl.lit(file.version).alias("version"),
        pl.lit(file.path.name).alias("file_name"),
        pl.all(),
    )
    with registered(con, "new_failures", failures):
        con.execute("insert into ingest.quarantine by name from new_failures")
