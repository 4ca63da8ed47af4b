"""Load returns into the warehouse: one (collection, org, period) slot at a time.

The latest version of a return replaces any earlier one whole, in one transaction; every file
version is archived as submitted; a file already loaded unchanged is not loaded again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from contracts.files import ReturnFile
from contracts.validate import CheckedReturn, check_file, check_files
from pipelines.ingest.archive import archive
from pipelines.ingest.file_versions import is_loaded, record_version, walk
from pipelines.ingest.landing import file_sha256, latest_file
from pipelines.ingest.outcomes import LoadOutcome
from pipelines.ingest.pseudonyms import pseudonymise
from pipelines.warehouse import slot_rows

# Returns of one collection are checked together, a batch of files at a time: each rule then
# runs once per batch rather than once per file, and memory stays bounded.
BATCH_BYTES = 256 * 2**20

Progress = Callable[[list[LoadOutcome]], None]


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
    loading a small return. A load killed mid-batch leaves the batches before it.
    """
    outcomes = []
    for batch, checked in _checked_batches(con, list(_batches(slots))):
        with _transaction(con):
            loaded = [_load_slot(con, files, archive_dir, key, checked) for files in batch]
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
    with _transaction(con):
        return _load_slot(con, files, archive_dir, key, {})


def _batches(slots: list[list[ReturnFile]]) -> Iterator[list[list[ReturnFile]]]:
    batch, size = [], 0
    for files in slots:
        batch.append(files)
        size += latest_file(files).path.stat().st_size
        if size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _checked_batches(con, batches: list[list[list[ReturnFile]]]):
    """Each batch with its files checked; the next batch is checked in a thread (polars works
    outside the GIL) while this one is written, one batch ahead at most (memory stays bounded).
    What to check is known up front: batches hold different slots."""
    todo = [[latest_file(f).path for f in batch if not is_loaded(con, f)] for batch in batches]
    with ThreadPoolExecutor(max_workers=1) as checker:
        ahead = checker.submit(_check, todo[0]) if batches else None
        for number, batch in enumerate(batches):
            checked = ahead.result()
            if number + 1 < len(batches):
                ahead = checker.submit(_check, todo[number + 1])
            yield batch, checked


def _check(paths: list[Path]) -> dict[Path, CheckedReturn]:
    return {result.path: result for result in check_files(paths)}


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


def _load_slot(con, files: list[ReturnFile], archive_dir: Path, key: bytes, checked) -> list:
    """``load_slot`` inside the caller's transaction; ``checked`` holds files checked already."""
    for file in files:
        archive(file, archive_dir, file_sha256(file.path))
    return walk(
        con,
        files,
        lambda file, digest: _load_file(
            con, file, digest, key, checked.get(file.path) or check_file(file.path)
        ),
    )


def _load_file(con, file: ReturnFile, digest: str, key: bytes, checked) -> LoadOutcome:
    received_at = dt.datetime.fromtimestamp(file.path.stat().st_mtime)  # when it landed
    if checked.refused:
        record_version(con, file, digest, received_at, checked, is_current=False)
        return LoadOutcome.of(file, "refused", refused=checked.refused)
    rows = slot_rows(
        file.collection,
        pseudonymise(checked.valid, key=key, org=file.org),
        org=file.org,
        period=file.period,
        version=file.version,
    )
    _replace_slot(con, file, digest, received_at, checked, rows)
    return LoadOutcome.of(
        file, "loaded", rows=checked.rows, loaded=checked.passed, quarantined=checked.failed
    )


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
    record_version(con, file, digest, received_at, checked, is_current=True, new=not has_version)
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
