"""The archive: every landed file version, as submitted, kept for good."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from contracts.files import ReturnFile
from contracts.landed import copy_landed


def archive(file: ReturnFile, archive_dir: Path, digest: str) -> Path:
    """Keep the file version as submitted; its digest in the name, so nothing is overwritten.

    The bytes are copied from the landed file opened as a regular file (never through a
    symlink), and kept only if they are the bytes with ``digest``: StillBeingWritten if not.
    """
    target = archived_path(archive_dir, file.collection, file.path.name, digest)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".copying-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as copy:
            os.fchmod(copy.fileno(), 0o600)
            copy_landed(file.path, copy, digest)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def archived_path(archive_dir: Path, collection: str, name: str, digest: str) -> Path:
    """Where a file version is archived: by collection, its digest's head before its name."""
    return archive_dir / collection / f"{digest[:12]}_{name}"
