"""What ``generate()`` returns: the files written and the faults planted in them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.sample.story import StoryEvent


@dataclass(frozen=True)
class SampleFile:
    """One written return: its path relative to ``out_dir`` (``/``-separated), and data rows."""

    path: str
    collection: str
    org: str
    period: str
    format: str
    rows: int
    version: int = 1


@dataclass(frozen=True)
class PlantedFault:
    """A planted fault: ``row`` as a spreadsheet shows it (header = 1); ``value`` as written."""

    file: str
    row: int
    column: str
    rule: str
    value: str | None


@dataclass(frozen=True)
class SampleReport:
    out_dir: Path
    files: tuple[SampleFile, ...]
    faults: tuple[PlantedFault, ...]
    faults_file: Path | None  # written only when faults were planted
    events: tuple[StoryEvent, ...] = ()  # the demo's story, when told (story.py)

    @property
    def rows(self) -> dict[str, int]:
        """Data rows per file (relative path)."""
        return {f.path: f.rows for f in self.files}

    def rows_by_collection(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for f in self.files:
            totals[f.collection] = totals.get(f.collection, 0) + f.rows
        return totals
