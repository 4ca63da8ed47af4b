"""A return's bytes, read safely (returns.md, Files).

Only regular files are returns. A file in the landing folder is opened without following a
symlink, neither its own name nor its collection folder's, so nothing outside the landing
folder is ever read; a FIFO or device is opened without blocking and refused on what the
opened descriptor is (``fstat``), so a file swapped after it was listed is judged as what was
actually opened. A file whose size or times change while it is read is still being written:
it is left for a later load, not refused.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from contracts.files import RefusedFile

BLOCK = 1 << 20


class NotARegularFile(RefusedFile):
    """A symlink, folder, FIFO, device, socket or hard link: refused by name, never read."""


class StillBeingWritten(Exception):
    """The file changed while it was read: leave it for a later load."""

    def __init__(self, name: str):
        super().__init__(f"{name}: still being written, will be retried")


@dataclass(frozen=True)
class FileBytes:
    data: bytes
    sha256: str | None  # None when not asked for


def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    for test, kind in (
        (stat.S_ISREG, None),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def not_regular(kind: str) -> str:
    return f"{kind}, not a regular file: refused, nothing of it is read"


def landed_bytes(path: Path, *, digest: bool = True) -> FileBytes:
    """All of a file in the landing folder (``<landing>/<collection>/<name>``), and with
    ``digest`` their SHA-256."""
    with open_landed(path) as descriptor:
        return _read_all(descriptor, path.name, digest)


def named_bytes(path: Path, *, digest: bool = True) -> FileBytes:
    """All of a file named by a user (``sws validate FILE``): a symlink they name is theirs to
    follow, but only to a regular file. With ``digest``, their SHA-256."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise RefusedFile(f"cannot be opened ({os.strerror(error.errno)})") from None
    try:
        _refuse_irregular(os.fstat(descriptor), hard_links=False)
        return _read_all(descriptor, path.name, digest)
    finally:
        os.close(descriptor)


def landed_sha256(path: Path) -> str:
    """The digest of a landed file's bytes, read in blocks (memory does not grow with it)."""
    with open_landed(path) as descriptor:
        before = os.fstat(descriptor)
        digest = hashlib.sha256()
        for block in _blocks(descriptor, before.st_size):
            digest.update(block)
        _refuse_changed(before, os.fstat(descriptor), path.name)
        return digest.hexdigest()


def copy_landed(path: Path, target, expected_sha256: str) -> None:
    """Copy a landed file's bytes into the open binary ``target``; StillBeingWritten if they
    are not the bytes with ``expected_sha256`` (the file changed since it was hashed)."""
    with open_landed(path) as descriptor:
        before = os.fstat(descriptor)
        digest = hashlib.sha256()
        for block in _blocks(descriptor, before.st_size):
            digest.update(block)
            target.write(block)
        _refuse_changed(before, os.fstat(descriptor), path.name)
    if digest.hexdigest() != expected_sha256:
        raise StillBeingWritten(path.name)


@contextmanager
def open_landed(path: Path) -> Iterator[int]:
    """A descriptor of ``<landing>/<collection>/<name>``, opened one folder at a time without
    following a symlink below the landing folder; refused unless it is a regular file."""
    landing, folder = path.parent.parent, path.parent.name
    opened = []
    try:
        opened.append(os.open(landing, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
        for name, flags in (
            (folder, os.O_DIRECTORY),
            (path.name, os.O_NONBLOCK),  # a FIFO must not block the open
        ):
            try:
                opened.append(
                    os.open(
                        name,
                        os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | flags,
                        dir_fd=opened[-1],
                    )
                )
            except OSError as error:
                raise _refusal(error, name == folder) from None
        _refuse_irregular(os.fstat(opened[-1]), hard_links=True)
        yield opened[-1]
    finally:
        for descriptor in reversed(opened):
            os.close(descriptor)


def _refusal(error: OSError, is_folder: bool) -> RefusedFile:
    if error.errno == errno.ELOOP or (is_folder and error.errno == errno.ENOTDIR):
        where = "its collection folder is" if is_folder else "it is"
        return NotARegularFile(f"{where} a symbolic link: refused, nothing of it is read")
    if error.errno == errno.ENOENT:
        return RefusedFile("gone from the landing folder before it was read")
    return RefusedFile(f"cannot be opened ({os.strerror(error.errno)})")


def _refuse_irregular(status: os.stat_result, *, hard_links: bool) -> None:
    kind = kind_of(status.st_mode)
    if kind is not None:
        raise NotARegularFile(not_regular(kind))
    if hard_links and status.st_nlink > 1:
        # another name for it may lie outside the landing folder
        raise NotARegularFile(not_regular("a hard link (the file has other names)"))


def _read_all(descriptor: int, name: str, digest: bool) -> FileBytes:
    before = os.fstat(descriptor)
    # the whole file is held anyway: asked for in one read, it is not copied to be joined
    data = b"".join(_blocks(descriptor, before.st_size, before.st_size))
    _refuse_changed(before, os.fstat(descriptor), name)
    return FileBytes(data, hashlib.sha256(data).hexdigest() if digest else None)


def _blocks(descriptor: int, size: int, block_size: int = BLOCK) -> Iterator[bytes]:
    """The file's first ``size`` bytes (its size when opened), block by block: a file that
    grows meanwhile is not chased, it is found changed afterwards."""
    left = size
    while left > 0:
        block = os.read(descriptor, min(block_size, left))
        if not block:
            return  # it shrank: found changed afterwards
        left -= len(block)
        yield block


def _refuse_changed(before: os.stat_result, after: os.stat_result, name: str) -> None:
    if state(before) != state(after):
        raise StillBeingWritten(name)


def state(status: os.stat_result) -> tuple[int, int, int, int, int]:
    """What changes when a file is written to: its identity, size and times."""
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def last_change_ns(status: os.stat_result) -> int:
    """When the file last changed: its status-change time, which every write moves and which,
    unlike the modification time, no program can set back or ahead."""
    return status.st_ctime_ns
