"""Writer turns on the embedded DuckDB warehouse, and the published copy readers read.

Writers change a working copy and publish it whole (see ``writing``); readers read the
published ``warehouse.duckdb``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.warehouse.schema import ensure_schema


class WarehouseBusy(Exception):
    """Another process holds DuckDB's write lock on the file we asked for."""


def working_copy(path: Path) -> Path:
    """The file writers change; readers only ever see what was published from it.

    Same file name in its own folder: DuckDB names the catalog after the file, and the models
    must read ``warehouse`` in both copies.
    """
    return path.parent / "work" / path.name


@contextmanager
def connect(path: Path, *, read_only: bool = False):
    """A reading connection to the published warehouse, or a writing one to the working copy.

    A writing connection waits its turn, has the ingest schema in place, and its changes are
    published when it closes without error.
    """
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}: run `sws load` first")
        with _opened(path, read_only=True) as con:
            yield con
        return
    with _writer_turn(path) as work, _opened(work, read_only=False) as con:
        ensure_schema(con)
        yield con


@contextmanager
def writing(path: Path):
    """A writer's turn for another process (dbt): the working copy's path, schema in place."""
    with _writer_turn(path) as work:
        with _opened(work, read_only=False) as con:
            ensure_schema(con)  # the source tables exist even before any return is loaded
        yield work


@contextmanager
def _writer_turn(path: Path):
    """The writer's turn on the working copy, published at the end.

    DuckDB lets one process write a file and refuses every other process, readers included.
    So writers take turns (a file lock: parallel runs queue rather than fail) on a working
    copy, and each turn that ends without error replaces the published file by a copy of it
    in one rename. A reader is never refused and never waits: it reads the last published
    state, and one that has the file open keeps its state while a new one is published.
    """
    work = working_copy(path)
    work.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".writer.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if path.exists() and not work.exists():  # a warehouse from before working copies
                shutil.copyfile(path, work)
            yield work
            _publish(work, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _publish(work: Path, path: Path) -> None:
    with _opened(work, read_only=False) as con:
        con.execute("checkpoint")  # everything committed is in the file, none in its WAL
    publishing = path.with_name(path.name + ".publishing")
    shutil.copyfile(work, publishing)
    publishing.chmod(0o644)  # analysts and BI tools read it (interface.md)
    os.replace(publishing, path)


def _memory_limit() -> str:
    """DuckDB's memory; past it, work spills to disk (default: 80% of the machine's RAM)."""
    return os.environ.get("SWS_DUCKDB_MEMORY_LIMIT") or "3GB"  # as in dbt's profiles.yml


@contextmanager
def _opened(path: Path, *, read_only: bool):
    try:
        con = duckdb.connect(
            str(path), read_only=read_only, config={"memory_limit": _memory_limit()}
        )
    except duckdb.IOException as error:
        if "lock" not in str(error):
            raise
        raise WarehouseBusy(f"the warehouse {path} is held by another process") from error
    try:
        yield con
    finally:
        con.close()
