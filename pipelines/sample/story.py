"""The demo's story: the latest period's returns as they really arrive, so every user's path shows.

On top of the regular sample (``generate(story=True)``, ``sws sample --story``, ``make demo``),
the latest period gets:

- bad rows: ``faults[collection]`` planted in each Trust's return of that collection (a Star
  reading or RAW questionnaire with one is quarantined whole), listed in ``planted_faults.csv``;
- a resubmission that supersedes: ``superseded``'s v1, with its bad rows, then a corrected
  ``_v2`` two weeks later;
- a refused resubmission: ``refused``'s ``_v2`` lacks a mandatory column, so its v1 (and v1's
  bad rows) stays current;
- a late return: ``late`` lands after the deadline (every other return of the period is on
  time);
- a missing return: ``missing`` is never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Slot = tuple[str, str]  # (collection, org)
Turn = Literal["superseded", "refused", "late", "missing"]


@dataclass(frozen=True)
class Story:
    faults: dict[str, int] = field(default_factory=dict)
    superseded: Slot = ("dsf", "BHSCT")
    refused: Slot = ("ascot", "NHSCT")
    refused_without: str = "satisfaction"
    late: Slot = ("star", "SHSCT")
    missing: Slot = ("raw", "WHSCT")

    def turn(self, collection: str, org: str) -> Turn | None:
        """What happens to this (collection, org) return of the latest period, if anything."""
        turns: dict[Slot, Turn] = {
            self.superseded: "superseded",
            self.refused: "refused",
            self.late: "late",
            self.missing: "missing",
        }
        return turns.get((collection, org))


DEMO = Story(faults={"star": 2, "raw": 2, "dsf": 2, "ascot": 2, "workforce": 1})


@dataclass(frozen=True)
class StoryEvent:
    """One turn of the story as written: ``file`` relative to ``out_dir`` (``/``-separated)."""

    turn: Turn
    file: str
    detail: str
