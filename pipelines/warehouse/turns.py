"""Writer turns on the embedded DuckDB warehouse, and the published copy readers read.

Writers change a working copy and publish it whole (see ``writing``); readers read the
published ``warehouse.duckdb``. A process that takes several turns in a row (``sws load``:
an ingest run per return, then dbt) can publish once, at the end (``one_publish``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.warehouse.schema import ensure_schema

# the warehouses whose turns in this process publish at the end of a ``one_publish`` block:
# True once such a turn has changed the working copy, until that block publishes it
_deferred: dict[Path, bool] = {}


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
    published when it closes without error (at the end of ``one_publish``, inside one).
    Inside ``one_publish``, a reading connection reads this process's own turns not yet
    published: the working copy, between two writers' turns.
    """
    if read_only and _deferred.get(_key(path)):
        with _turn_lock(path), _opened(working_copy(path), read_only=True) as con:
            yield con
        return
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
def one_publish(path: Path):
    """This process's writer turns inside the block publish once, when it ends.

    Each turn copies the whole warehouse to publish it (seconds at SF50); a regional load
    takes seven. Inside the block, a turn that ends leaves its changes in the working copy
    and gives the writer lock back, so other processes still take their turns in between
    (and one that does publishes these changes too). Readers elsewhere read the last
    published state, as during any turn; this process's own readers read its changes.
    The block publishes when it ends, even on an error: what the turns committed is in the
    working copy, and the next turn would publish it anyway (as after a failed turn).
    """
    key = _key(path)
    if key in _deferred:  # an outer block publishes
        yield
        return
    _deferred[key] = False
    try:
        yield
    finally:
        changed = _deferred.pop(key)
        if changed:
            with _turn_lock(path):
                _publish(working_copy(path), path)


def _key(path: Path) -> Path:
    return Path(os.path.abspath(path))


@contextmanager
def _turn_lock(path: Path):
    """Writers take turns (a file lock: parallel runs queue rather than fail)."""
    with open(path.with_name(path.name + ".writer.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _writer_turn(path: Path):
    """The writer's turn on the working copy, published at the end.

    DuckDB lets one process write a file and refuses every other process, readers included.
    So writers take turns on a working copy, and each turn that ends without error replaces
    the published file by a copy of it in one rename (or leaves that to ``one_publish``).
    A reader is never refused and never waits: it reads the last published state, and one
    that has the file open keeps its state while a new one is published.
    """
    work = working_copy(path)
    work.parent.mkdir(parents=True, exist_ok=True)
    with _turn_lock(path):
        if path.exists() and not work.exists():  # a warehouse from before working copies
            shutil.copyfile(path, work)
        yield work
        if _key(path) in _deferred:
            _deferred[_key(path)] = True
        else:
            _publish(work, path)


def _publish(work: Path, path: Path) -> None:
    with _opened(work, read_only=False) as con:
        con.execute("checkpoint")  # everything committed is in the file, none in its WAL
    publishing = path.with_name(path.name + ".publishing")
    _copy(work, publishing)
    publishing.chmod(0o644)  # analysts and BI tools read it (interface.md)
    os.replace(publishing, path)


def _copy(source: Path, target: Path) -> None:
    """``copy_file_range``: the kernel copies, and shares the blocks instead where the file
    system can (Btrfs, XFS: the copy is then instant); else (another file system under the
    copy, an old kernel, not Linux) an ordinary copy."""
    if not hasattr(os, "copy_file_range"):
        shutil.copyfile(source, target)
        return
    try:
        with open(source, "rb") as src, open(target, "wb") as dst:
            left = os.fstat(src.fileno()).st_size
            while left > 0:
                copied = os.copy_file_range(src.fileno(), dst.fileno(), left)
                if copied == 0:
                    raise OSError(f"{source} ended early")
                left -= copied
    except OSError:
        shutil.copyfile(source, target)


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
