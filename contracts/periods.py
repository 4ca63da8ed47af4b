"""Financial-year quarters, written ``YYYY-YY-Qn`` (returns.md, Periods)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Period:
    """A quarter of a financial year; ``start_year`` is the April it begins in."""

    start_year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = PERIOD_PATTERN.match(text)
        if not match:
            raise ValueError(f"not a period (YYYY-YY-Qn): {text!r}")
        year, next_year, quarter = int(match[1]), int(match[2]), int(match[3])
        if (year + 1) % 100 != next_year:
            raise ValueError(f"not a period (years do not follow): {text!r}")
        return cls(year, quarter)

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        if day.month >= 4:
            return cls(day.year, (day.month - 4) // 3 + 1)
        return cls(day.year - 1, 4)

    def __str__(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}-Q{self.quarter}"

    @property
    def first_day(self) -> dt.date:
        month = 4 + 3 * (self.quarter - 1)
        year = self.start_year + (month > 12)
        return dt.date(year, (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.shift(1).first_day - dt.timedelta(days=1)

    def shift(self, quarters: int) -> Period:
        index = self.start_year * 4 + self.quarter - 1 + quarters
        return Period(index // 4, index % 4 + 1)


def period_range(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last`` inclusive."""
    count = (last.start_year - first.start_year) * 4 + last.quarter - first.quarter
    return [first.shift(i) for i in range(count + 1)]


# The earliest period the warehouse accepts returns for: the E-Framework's first baseline year.
FIRST_PERIOD = Period(2015, 1)


def current_period(today: dt.date | None = None) -> Period:
    return Period.containing(today or dt.date.today())


def accepted_periods(today: dt.date | None = None) -> list[Period]:
    """Periods a return may be for: from FIRST_PERIOD up to the quarter we are in."""
    return period_range(FIRST_PERIOD, current_period(today))
