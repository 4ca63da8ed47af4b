"""Folders and files that hold identifiers (landing, archive, outboxes, the pseudonym key):
owner-only, or readable by one named Unix group and no one else."""

from __future__ import annotations

import errno
import grp
import os
from pathlib import Path

OWNER_DIR, OWNER_FILE = 0o700, 0o600
GROUP_DIR, GROUP_FILE = 0o750, 0o640


def group_id(name: str) -> int:
    """The id of a Unix group; ValueError naming it if there is none."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise ValueError(f"no Unix group {name!r} on this machine") from None


def private_dir(path: Path, *, top: Path, gid: int | None = None) -> Path:
    """``path`` and every folder from ``top`` down to it, created if missing, owner-only (or
    group-readable by ``gid``). Folders above ``top`` are created as usual, untouched."""
    if path != top and top not in path.parents:
        raise ValueError(f"{path} is not inside {top}")
    top.parent.mkdir(parents=True, exist_ok=True)
    inside = path.relative_to(top)
    for folder in [*reversed(inside.parents), inside]:
        here = top / folder
        try:
            here.mkdir(exist_ok=True)
        except FileExistsError:  # a file where a folder should be: say so, as mkdir -p does
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(here)) from None
        _restrict(here, OWNER_DIR if gid is None else GROUP_DIR, gid)
    return path


def private_file(path: Path, *, gid: int | None = None) -> Path:
    """Restrict a file just written: owner-only, or group-readable by ``gid``."""
    _restrict(path, OWNER_FILE if gid is None else GROUP_FILE, gid)
    return path


def write_private_text(path: Path, text: str, *, gid: int | None = None) -> Path:
    """Write a text file that is never readable beyond its owner (and ``gid``), even briefly."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_FILE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return private_file(path, gid=gid)


def _restrict(path: Path, mode: int, gid: int | None) -> None:
    if gid is not None:
        os.chown(path, -1, gid)
    path.chmod(mode)
