"""The archive: every landed file version, as submitted, kept until retention expires it
(``pipelines.retention``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from contracts.files import ReturnFile
from pipelines.private import private_dir, private_file


def archived_path(archive_dir: Path, collection: str, file_name: str, digest: str) -> Path:
    """Where a file version is kept: its digest in the name, so nothing is overwritten."""
    return archive_dir / collection / f"{digest[:12]}_{file_name}"


def was_purged(con: duckdb.DuckDBPyConnection, digest: str) -> bool:
    """Retention deleted these bytes (``pipelines.retention``): they are not kept again."""
    found = con.execute("select count(*) from ingest.purged_files where sha256 = ?", [digest])
    return found.fetchall()[0][0] > 0


def archive(file: ReturnFile, archive_dir: Path, digest: str) -> Path:
    """Keep the file version as submitted, owner-only (it holds identifiers)."""
    target = archived_path(archive_dir, file.collection, file.path.name, digest)
    if not target.exists():
        private_dir(target.parent, top=archive_dir)
        shutil.copy2(file.path, target)
        private_file(target)
    return target
