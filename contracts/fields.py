"""Field definitions shared by several returns (returns.md, Common fields).

Every column arrives as text; a field's checks say what the text must hold. ``dated_by``
names the date column that places a record in its period.
"""

from __future__ import annotations

from typing import Any

import pandera.polars as pa

from contracts import pandera_checks as _registered  # noqa: F401  (every rule, before a Field)
from contracts import reference


def text(*, required: bool = True, **checks: Any) -> Any:
    return pa.Field(nullable=not required, **checks)


def coded(code_list: tuple[str, ...], *, required: bool = True) -> Any:
    return pa.Field(nullable=not required, code={"allowed": code_list})


def integer(low=None, high=None, *, required: bool = True, **checks: Any) -> Any:
    return pa.Field(nullable=not required, integer={}, **_bounds(low, high), **checks)


def decimal(low=None, high=None, *, low_open=False, required=True, **checks: Any) -> Any:
    return pa.Field(nullable=not required, decimal={}, **_bounds(low, high, low_open), **checks)


def boolean() -> Any:
    return pa.Field(nullable=False, boolean={})


def _bounds(low, high, low_open=False) -> dict[str, Any]:
    if low is None and high is None:
        return {}
    return {"range": {"low": low, "high": high, "low_open": low_open}}


def date(*, required: bool = True, in_period: bool = False, **checks: Any) -> Any:
    if in_period:
        checks["period"] = {}
    return pa.Field(nullable=not required, date={}, **checks)


def hcn() -> Any:
    return pa.Field(nullable=False, hcn_format={}, hcn_check_digit={})


def worker_id(**checks: Any) -> Any:
    return pa.Field(nullable=False, text_length={"low": 1, "high": 20}, **checks)


def birth_year(dated_by: str, **checks: Any) -> Any:
    return pa.Field(nullable=False, integer={}, birth_year_range={"dated_by": dated_by}, **checks)


def sex() -> Any:
    return coded(reference.codes("sex"))


def lgd_code() -> Any:
    return coded(reference.column("lgds", "lgd_code"))


def programme_of_care() -> Any:
    return coded(reference.column("programmes_of_care", "poc_code"))
