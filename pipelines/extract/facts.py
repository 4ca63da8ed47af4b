"""What the pack says about itself: on the workbook's cover and notes, in the report, the data
package and the gate report."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.settings import sws_config

DEFAULT_CONTACT = "The Social Work Outcomes Warehouse team"


@dataclass(frozen=True)
class PackFacts:
    period: str
    periods: tuple[str, ...]  # every period in the pack, oldest first
    consumer: str
    built_at: str
    data_as_at: str | None  # the latest load of the returns used
    contact: str = DEFAULT_CONTACT
    audit: str | None = None  # one line: what the disclosure audit checked and its result

    @property
    def periods_text(self) -> str:
        return f"{self.periods[0]} to {self.periods[-1]}" if self.periods else self.period

    @property
    def data_as_at_text(self) -> str:
        return self.data_as_at or "unknown"


def configured_contact() -> str:
    """``[tool.sws.extract] contact``: who a reader of the pack asks."""
    return str(sws_config().get("extract", {}).get("contact") or DEFAULT_CONTACT)
