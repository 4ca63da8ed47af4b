"""Rotating the pseudonym key (``sws rotate-key``): the warehouse re-pseudonymised from the
archive, so that every person keeps one key.

Pseudonyms cannot be turned into new ones (the identifiers are gone), so every current
version is loaded again from its archived bytes with the new key, replacing its rows, and the
new key's fingerprint is recorded: all in one transaction, so a rotation stopped half way
leaves the warehouse as it was, with the old key. The models are rebuilt after it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from contracts.files import ReturnFile
from contracts.validate import check_files
from pipelines.ingest.archive import archived_path, was_purged
from pipelines.ingest.loader import write_slot
from pipelines.ingest.pseudonyms import fingerprint, record_key, recorded_fingerprint


class RotationError(Exception):
    """The key cannot be rotated (an archived copy missing, say); nothing was changed."""


def rotate_key(con: duckdb.DuckDBPyConnection, archive_dir: Path, key: bytes) -> int | None:
    """Re-pseudonymise every current version with ``key``; how many (None: it is the
    warehouse's key already, nothing to do). RotationError leaves everything as it was."""
    if recorded_fingerprint(con) == fingerprint(key):
        return None
    current = con.execute(
        "select collection, org, period, version, file_name, sha256, received_at "
        "from ingest.file_versions where is_current order by collection, org, period"
    ).fetchall()
    archived = []
    for collection, org, period, version, name, digest, received_at in current:
        path = archived_path(archive_dir, collection, name, digest)
        if not path.is_file() and was_purged(con, digest):
            raise RotationError(
                f"{name}: retention deleted its archived copy (ingest.purged_files), and with "
                "it the identifiers a new key needs: nothing rotated"
            )
        if not path.is_file():
            raise RotationError(f"{name}: its archived copy {path} is missing: nothing rotated")
        loaded_as = ReturnFile(Path(name), collection, org, period, version)
        archived.append((ReturnFile(path, *loaded_as.slot, version), loaded_as, received_at))
    con.execute("begin transaction")
    try:
        checked_files = check_files([copy for copy, _, _ in archived])
        for (_, file, received_at), checked in zip(archived, checked_files, strict=True):
            digest = _same_bytes(file, checked, current)
            write_slot(con, file, digest, received_at, checked, key)
        record_key(con, key)
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    return len(archived)


def _same_bytes(file: ReturnFile, checked, current: list[tuple]) -> str:
    """The version's recorded digest, once its archived copy is shown to hold those bytes and
    to pass its file-level checks as it did when it was loaded."""
    [digest] = [row[5] for row in current if (*row[:3], row[3]) == (*file.slot, file.version)]
    if checked.sha256 != digest:
        raise RotationError(f"{file.path.name}: its archived copy has changed: nothing rotated")
    if checked.refused:
        raise RotationError(f"{file.path.name}: now refused ({checked.refused}): nothing rotated")
    return digest
