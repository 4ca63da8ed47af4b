"""The landing folder: which returns are there, by (collection, org, period) slot.

Only regular files directly in a collection folder are returns (returns.md, Files). The
folder is listed without following symlinks; anything else there (a symlink, a folder, a
FIFO, a device) is refused by name and nothing of it is read. Two files claiming the same
version of a slot are both refused. A file changed less than the settle interval ago is
still being written: it is left for a later load.
"""

from __future__ import annotations

import functools
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from contracts.files import RefusedFile, ReturnFile, parse_name, refusal
from contracts.landed import kind_of, landed_sha256, last_change_ns, not_regular, state
from pipelines.ingest.outcomes import LoadOutcome

Slot = tuple[str, str, str]  # (collection, org, period)
BEING_WRITTEN = "being written"  # the status of a file left for a later load


def discover(
    landing: Path, *, settle_seconds: float = 0.0
) -> tuple[dict[Slot, list[ReturnFile]], list[LoadOutcome]]:
    """The returns in ``landing`` by slot, and the files that are not returns to load now:
    refused by name, kind or version, or still being written (changed less than
    ``settle_seconds`` ago).

    Returns sit one folder down, ``<landing>/<collection>/<file>`` (returns.md, Files); files
    at the top of the landing folder are not returns (e.g. notes, ``planted_faults.csv``).
    """
    claims: dict[tuple[Slot, int], list[ReturnFile]] = defaultdict(list)
    others = []
    settled_before = time.time_ns() - int(settle_seconds * 1e9)
    for path, status in _entries(landing, others):
        try:
            file = parse_name(path)
        except RefusedFile as error:
            others.append(LoadOutcome(path.name, "refused", refused=refusal(path, error)))
            continue
        if last_change_ns(status) > settled_before:
            others.append(LoadOutcome.of(file, BEING_WRITTEN))
            continue
        claims[(file.slot, file.version)].append(file)
    slots: dict[Slot, list[ReturnFile]] = defaultdict(list)
    for files in claims.values():
        if len(files) == 1:
            slots[files[0].slot].append(files[0])
        else:
            others += [_same_version(file, files) for file in files]
    return dict(slots), others


def _entries(landing: Path, refused: list[LoadOutcome]):
    """(path, lstat) of every regular file in a collection folder; anything else refused."""
    for folder in _listing(landing):
        if folder.is_symlink():
            refused.append(_not_regular(Path(folder.path), "a symbolic link"))
            continue
        if not folder.is_dir(follow_symlinks=False):
            continue  # a file at the top: not a return
        for entry in _listing(Path(folder.path)):
            try:
                status = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # removed while we looked
                continue
            kind = kind_of(status.st_mode)
            if kind is None and status.st_nlink > 1:
                kind = "a hard link (the file has other names)"
            if kind is not None:
                refused.append(_not_regular(Path(entry.path), kind))
            else:
                yield Path(entry.path), status


def _listing(folder: Path) -> list[os.DirEntry]:
    """The entries of ``folder`` in name order, hidden ones (``.name``) left out."""
    try:
        with os.scandir(folder) as entries:
            return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)
    except FileNotFoundError:  # removed while we looked
        return []


def _not_regular(path: Path, kind: str) -> LoadOutcome:
    return LoadOutcome(path.name, "refused", refused=refusal(path, RefusedFile(not_regular(kind))))


def _same_version(file: ReturnFile, claimants: list[ReturnFile]) -> LoadOutcome:
    others = ", ".join(f.path.name for f in claimants if f is not file)
    collection, org, period = file.slot
    reason = (
        f"{file.path.name}: {others} claims the same version {file.version} of {collection} "
        f"{org} {period}: both refused (remove one, or give it a higher _v<N>)"
    )
    return LoadOutcome.of(file, "refused", refused=reason)


def wait_to_settle(landing: Path, settle_seconds: float) -> None:
    """Sleep until every file in ``landing`` changed at least ``settle_seconds`` ago, as it was
    when looked at: a file changed meanwhile is still being written, and ``discover`` with
    the same interval will leave it for a later load."""
    if settle_seconds <= 0 or not landing.is_dir():
        return
    newest = max((last_change_ns(status) for _, status in _entries(landing, [])), default=0)
    remaining = newest / 1e9 + settle_seconds - time.time()
    if remaining > 0:
        time.sleep(min(remaining, settle_seconds))


def latest_file(files: list[ReturnFile]) -> ReturnFile:
    return max(files, key=lambda f: (f.version, f.path.name))


# A digest is remembered with the file's state only when the file had been still this long
# before it was read: a write after the read then moves its change time, which no program
# can set back, whatever the clock's tick.
SETTLED_NS = 1_000_000_000

Hashed = tuple[tuple, str]  # (the file's state, the digest of its bytes in that state)
Known = Mapping[tuple[int, int], Hashed]  # recorded digests by (device, inode)
_settled: dict[Path, Hashed] = {}


def file_sha256(path: Path, known: Known | None = None) -> str:
    """The digest of a landed file's bytes (a regular file, read without following links).

    ``known``: digests earlier loads recorded by (device, inode) (``recorded_digests``): a
    file in the very state recorded is not read again.
    """
    file_state = state(path.lstat())
    recorded = known.get(file_state[:2]) if known else None
    if recorded is not None and recorded[0] == file_state:
        return recorded[1]
    return _sha256_of(path, file_state)


def settled_digests(paths: Iterable[Path] | None = None) -> list[Hashed]:
    """The state and digest of each of ``paths`` (of every file, when None) that this process
    hashed settled: what a load may keep (``file_versions.remember_digests``)."""
    if paths is None:
        return list(_settled.values())
    return [hashed for path in paths if (hashed := _settled.get(path)) is not None]


@functools.lru_cache(maxsize=4096)
def _sha256_of(path: Path, file_state: tuple) -> str:
    """Hash once per file state: planning and loading both ask."""
    settled = time.time_ns() - file_state[-1] >= SETTLED_NS
    digest = landed_sha256(path)
    if settled:
        _settled[path] = (file_state, digest)
    return digest
