"""Retention of the files that hold identifiers: landed and archived returns, and the Trusts'
outboxes, are deleted once ``days_after_deadline`` days (``[tool.sws.retention]``, default
400) have passed since their period's submission deadline.

``sws purge`` and the weekly ``retention`` job call ``purge``. What the warehouse holds is
kept: the loaded rows (pseudonymised), the quarantine (identifiers masked), the marts, every
file version's record with its SHA-256, and in ``ingest.purged_files`` a record of each landed
or archived file deleted (name, digest, version, where, when). A purged version landed again
is recognised by its digest as loaded already, and not archived again (``pipelines.ingest``).

A landed file is purged only once the warehouse knows it (loaded, refused, or superseded by a
loaded version): a late return for an old period is loaded before it can expire.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contracts.files import RefusedFile, ReturnFile, parse_name
from contracts.periods import Period
from pipelines.ingest.file_versions import current_version
from pipelines.ingest.landing import file_sha256
from pipelines.settings import Settings, sws_config
from pipelines.status import due_date
from pipelines.warehouse import connect

LANDING, ARCHIVE, OUTBOX = "landing", "archive", "outbox"


@dataclass(frozen=True)
class Expired:
    location: str  # landing | archive | outbox
    path: Path  # a file (landing, archive) or an org's period folder (outbox)
    period: str
    expired_after: dt.date  # the last day it was to be kept
    file: ReturnFile | None = None  # the return a landed or archived file holds


def retention_days() -> int:
    return int(sws_config().get("retention", {}).get("days_after_deadline", 400))


def kept_until(period: str, days: int | None = None) -> dt.date:
    """The last day files of ``period`` are kept: its deadline plus the retention days."""
    return due_date(Period.parse(period)) + dt.timedelta(
        days=retention_days() if days is None else days
    )


def expired(
    settings: Settings,
    *,
    today: dt.date | None = None,
    days: int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[Expired]:
    """What retention would delete today: files and outbox folders past their keeping.

    ``con``: the warehouse to ask which landed files it knows (default: the published one).
    """
    today = today or dt.date.today()
    found = [*_returns(settings.archive, ARCHIVE), *_returns(settings.landing, LANDING)]
    found += _outboxes(settings.outbox)
    late = [e for e in found if today > kept_until(e.period, days)]
    landed = [e.file for e in late if e.location == LANDING]
    if landed:  # only what the warehouse knows: nothing waiting to be loaded
        known = _known(settings, landed, con)
        late = [e for e in late if e.location != LANDING or e.file.path in known]
    return [Expired(e.location, e.path, e.period, kept_until(e.period, days), e.file) for e in late]


def purge(
    settings: Settings, *, today: dt.date | None = None, days: int | None = None
) -> list[Expired]:
    """Delete what has expired, recording each landed or archived file in the warehouse."""
    if not expired(settings, today=today, days=days):
        return []  # the usual week: no writer's turn, no warehouse published for nothing
    with connect(settings.warehouse) as con:  # a writer's turn: the record and the deletes
        gone = expired(settings, today=today, days=days, con=con)
        records = [_record(e) for e in gone if e.file is not None]
        con.executemany(
            "insert or replace into ingest.purged_files values (?, ?, ?, ?, ?, ?, ?, ?)", records
        )
        for entry in gone:
            if entry.path.is_dir():
                shutil.rmtree(entry.path)
            else:
                entry.path.unlink(missing_ok=True)
    return gone


def _record(entry: Expired) -> tuple:
    file = entry.file
    return (
        entry.location,
        file.path.name if entry.location == LANDING else _archived_name(entry.path),
        file_sha256(entry.path),
        file.collection,
        file.org,
        file.period,
        file.version,
        dt.datetime.now(),
    )


def _returns(folder: Path, location: str) -> list[Expired]:
    """The return files one folder down (``<collection>/<file>``) whose names parse."""
    found = []
    for path in sorted(folder.glob("*/*")):
        if not path.is_file() or path.is_symlink():
            continue
        name = _archived_name(path) if location == ARCHIVE else path.name
        try:
            file = parse_name(path.with_name(name))
        except RefusedFile:
            continue  # no period to expire by: left for a person to look at
        file = ReturnFile(path, file.collection, file.org, file.period, file.version)
        found.append(Expired(location, path, file.period, dt.date.min, file))
    return found


def _archived_name(path: Path) -> str:
    """An archived copy is ``<digest prefix>_<file name as landed>``."""
    return path.name.split("_", 1)[-1]


def _outboxes(outbox: Path) -> list[Expired]:
    found = []
    for folder in sorted(outbox.glob("*/*")):
        try:
            period = str(Period.parse(folder.name))
        except ValueError:
            continue
        if folder.is_dir() and not folder.is_symlink():
            found.append(Expired(OUTBOX, folder, period, dt.date.min))
    return found


def _known(settings: Settings, files: list[ReturnFile], con) -> set[Path]:
    """The landed files the warehouse has a record of, or that a loaded version superseded."""
    if con is not None:
        return {file.path for file in files if _is_known(con, file)}
    if not settings.warehouse.exists():
        return set()
    with connect(settings.warehouse, read_only=True) as reader:
        return _known(settings, files, reader)


def _is_known(con: duckdb.DuckDBPyConnection, file: ReturnFile) -> bool:
    current = current_version(con, file.slot)
    if current is not None and current > file.version:
        return True  # superseded: never read, never to be
    found = con.execute(
        "select count(*) from ingest.file_versions where collection = ? and org = ? "
        "and period = ? and version = ? and sha256 = ?",
        [*file.slot, file.version, file_sha256(file.path)],
    ).fetchall()
    return found[0][0] > 0
