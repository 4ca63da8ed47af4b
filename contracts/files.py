"""Return file names: ``<collection>_<ORG>_<PERIOD>[_v<N>].<ext>`` (returns.md, Files)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from contracts import reference
from contracts.periods import FIRST_PERIOD, Period, current_period

FILE_NAME = re.compile(
    r"^(?P<collection>[A-Za-z]+)_(?P<org>[A-Za-z]+)_(?P<period>[^_]+)"
    r"(?:_v(?P<version>[0-9]+))?\.(?P<ext>csv|xlsx|parquet)$",
    re.IGNORECASE,
)


class RefusedFile(Exception):
    """The whole file is refused; the message says why."""


def refusal(path: Path, error: RefusedFile) -> str:
    """The one line a user sees for a refused file: its name, then why."""
    return f"{path.name}: {error}"


@dataclass(frozen=True)
class ReturnFile:
    path: Path
    collection: str
    org: str
    period: str
    version: int

    @property
    def slot(self) -> tuple[str, str, str]:
        """What a later version replaces: (collection, org, period)."""
        return (self.collection, self.org, self.period)

    @property
    def format(self) -> str:
        return self.path.suffix.lower().lstrip(".")


def parse_name(path: Path) -> ReturnFile:
    """The return a file name says it holds; RefusedFile if the name is not a return's."""
    match = FILE_NAME.match(path.name)
    if not match:
        raise RefusedFile(
            "file name does not parse: expected <collection>_<ORG>_<YYYY-YY-Qn>[_v<N>]"
            ".csv|.xlsx|.parquet"
        )
    collection, org = match["collection"].lower(), match["org"].upper()
    if collection not in reference.collections():
        raise RefusedFile(f"unknown collection {match['collection']!r}")
    if org not in reference.orgs():
        raise RefusedFile(f"unknown org {match['org']!r}")
    if org not in orgs_submitting(collection):
        raise RefusedFile(f"{org} does not submit {collection} returns")
    try:
        period = Period.parse(match["period"])
    except ValueError as error:
        raise RefusedFile(f"unknown period {match['period']!r}") from error
    if not FIRST_PERIOD <= period <= current_period():  # the accepted periods
        raise RefusedFile(
            f"unknown period {period}: returns are accepted for "
            f"{FIRST_PERIOD} up to the current quarter"
        )
    return ReturnFile(path, collection, org, str(period), _version(match["version"]))


MAX_VERSION = 9999


def _version(digits: str | None) -> int:
    """``_v<N>``: N from 1 to 9999 written without leading zeros; no suffix is version 1.

    Bounded here, where the name is read, so that no later step meets a version it cannot
    hold (a 32-bit column, say) and fails the other returns loaded with it.
    """
    if digits is None:
        return 1
    if digits.startswith("0"):
        raise RefusedFile(
            f"version _v{digits} is not allowed: N is 1 to {MAX_VERSION}, written without "
            "leading zeros (_v1, _v2, ...)"
        )
    if len(digits) > len(str(MAX_VERSION)):
        raise RefusedFile(f"version _v{digits} is too high: N is 1 to {MAX_VERSION}")
    return int(digits)


def orgs_submitting(collection: str) -> tuple[str, ...]:
    """REGION submits ``indicators`` only (returns.md, Who submits)."""
    return reference.orgs() if collection == "indicators" else reference.orgs(trusts_only=True)
