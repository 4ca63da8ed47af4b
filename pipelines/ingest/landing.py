"""The landing folder: which returns are there, by (collection, org, period) slot."""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from pathlib import Path

from contracts.files import RefusedFile, ReturnFile, parse_name, refusal
from pipelines.ingest.outcomes import LoadOutcome

Slot = tuple[str, str, str]  # (collection, org, period)


def discover(landing: Path) -> tuple[dict[Slot, list[ReturnFile]], list[LoadOutcome]]:
    """The returns in ``landing`` by slot, and the files refused for their name alone.

    Returns sit one folder down, ``<landing>/<collection>/<file>`` (returns.md, Files); files
    at the top of the landing folder are not returns (e.g. notes, ``planted_faults.csv``).
    """
    slots: dict[Slot, list[ReturnFile]] = defaultdict(list)
    refused = []
    for path in sorted(
        p for p in landing.glob("*/*") if p.is_file() and not p.name.startswith(".")
    ):
        try:
            file = parse_name(path)
        except RefusedFile as error:
            refused.append(LoadOutcome(path.name, "refused", refused=refusal(path, error)))
            continue
        slots[file.slot].append(file)
    return dict(slots), refused


def latest_file(files: list[ReturnFile]) -> ReturnFile:
    return max(files, key=lambda f: (f.version, f.path.name))


def file_sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_of(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _sha256_of(path: Path, size: int, mtime_ns: int) -> str:
    """Hash once per file state: planning and loading both ask."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
