"""Every rule of returns.md, registered once as a pandera check (polars backend).

A check's registered name is the rule a failure reports. Checks pass empty values
(emptiness is the ``required`` rule, from ``nullable=False``) and values of the wrong type
(the type rule reports those), so each failure names one real reason. The validator adds
the file's period as the hidden columns ``_period_first`` and ``_period_last``.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from pandera.api.extensions import register_check_method
from pandera.api.polars.types import PolarsData

from contracts import reference
from contracts.hcn import WEIGHTS
from contracts.parse import as_boolean, as_date, as_decimal, as_integer

PERIOD_FIRST = "_period_first"
PERIOD_LAST = "_period_last"
FILE_INDEX = "_file"  # which file of a batch a row came from: rules across rows stay per file


def rule(name: str, *statistics: str) -> Callable:
    """Register ``fn`` as the pandera check ``name`` (the rule its failures report)."""

    def register(fn: Callable) -> Callable:
        fn.__name__ = name
        return register_check_method(fn, statistics=list(statistics))

    return register


def _passes(data: PolarsData, failed: pl.Expr) -> pl.LazyFrame:
    """A row passes unless ``failed`` is true; a null comparison is no failure."""
    return data.lazyframe.select((~failed.fill_null(False)).alias(data.key))


def _present(data: PolarsData) -> pl.Expr:
    return pl.col(data.key).is_not_null()


# -- types ------------------------------------------------------------------------------


@rule("integer")
def _integer(data: PolarsData) -> pl.LazyFrame:
    return _passes(data, _present(data) & as_integer(data.key).is_null())


@rule("decimal")
def _decimal(data: PolarsData) -> pl.LazyFrame:
    return _passes(data, _present(data) & as_decimal(data.key).is_null())


@rule("date")
def _date(data: PolarsData) -> pl.LazyFrame:
    return _passes(data, _present(data) & as_date(data.key).is_null())


@rule("boolean")
def _boolean(data: PolarsData) -> pl.LazyFrame:
    return _passes(data, _present(data) & as_boolean(data.key).is_null())


# -- values -----------------------------------------------------------------------------


@rule("code", "allowed")
def _code(data: PolarsData, *, allowed: tuple[str, ...]) -> pl.LazyFrame:
    return _passes(data, ~pl.col(data.key).is_in(allowed))


@rule("range", "low", "high", "low_open")
def _range(data: PolarsData, *, low=None, high=None, low_open=False) -> pl.LazyFrame:
    value = as_decimal(data.key)
    below = pl.lit(False) if low is None else (value <= low if low_open else value < low)
    above = pl.lit(False) if high is None else value > high
    return _passes(data, below | above)


@rule("text_length", "low", "high")
def _text_length(data: PolarsData, *, low: int, high: int) -> pl.LazyFrame:
    return _passes(data, ~pl.col(data.key).str.len_chars().is_between(low, high))


@rule("hcn_format")
def _hcn_format(data: PolarsData) -> pl.LazyFrame:
    return _passes(data, ~pl.col(data.key).str.contains(r"^[0-9]{10}$"))


@rule("hcn_check_digit")
def _hcn_check_digit(data: PolarsData) -> pl.LazyFrame:
    hcn = pl.col(data.key)
    digits = [hcn.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(10)]
    check = 11 - pl.sum_horizontal(d * w for d, w in zip(digits, WEIGHTS, strict=False)) % 11
    expected = pl.when(check == 11).then(0).when(check == 10).then(None).otherwise(check)
    well_formed = hcn.str.contains(r"^[0-9]{10}$")
    return _passes(data, well_formed & (expected.is_null() | (expected != digits[9])))


# -- dates ------------------------------------------------------------------------------


@rule("period")
def _period(data: PolarsData) -> pl.LazyFrame:
    day = as_date(data.key)
    return _passes(data, ~day.is_between(pl.col(PERIOD_FIRST), pl.col(PERIOD_LAST)))


@rule("snapshot_date")
def _snapshot_date(data: PolarsData) -> pl.LazyFrame:
    return _passes(data, as_date(data.key) != pl.col(PERIOD_LAST))


def _before(data: PolarsData, start: str) -> pl.Expr:
    return as_date(data.key) < as_date(start)


@rule("due_before_start", "start")
def _due_before_start(data: PolarsData, *, start: str) -> pl.LazyFrame:
    return _passes(data, _before(data, start))


@rule("completed_before_start", "start")
def _completed_before_start(data: PolarsData, *, start: str) -> pl.LazyFrame:
    return _passes(data, _before(data, start))


@rule("birth_year_range", "dated_by")
def _birth_year_range(data: PolarsData, *, dated_by: str) -> pl.LazyFrame:
    year = as_integer(data.key)
    return _passes(data, (year < 1900) | (year > as_date(dated_by).dt.year()))


@rule("age_over_21", "dated_by")
def _age_over_21(data: PolarsData, *, dated_by: str) -> pl.LazyFrame:
    return _passes(data, as_date(dated_by).dt.year() - as_integer(data.key) > 21)


# -- across columns ---------------------------------------------------------------------


@rule("expected_for_sct4", "instrument")
def _expected_for_sct4(data: PolarsData, *, instrument: str) -> pl.LazyFrame:
    return _passes(data, _present(data) & (pl.col(instrument) == "SCT4"))


@rule("sickness_over_contracted", "contracted")
def _sickness_over_contracted(data: PolarsData, *, contracted: str) -> pl.LazyFrame:
    return _passes(data, as_decimal(data.key) > as_integer(contracted))


def _is_kind(indicator: str, kind: str) -> pl.Expr:
    """The indicator is of this kind (an unknown code is of neither: the code rule says so)."""
    kinds = reference.seed("indicators")
    codes = kinds.filter(pl.col("indicator_kind") == kind)["indicator_code"]
    return pl.col(indicator).is_in(codes.to_list())


@rule("denominator_required", "indicator")
def _denominator_required(data: PolarsData, *, indicator: str) -> pl.LazyFrame:
    return _passes(data, _is_kind(indicator, "proportion") & ~_present(data))


@rule("denominator_for_count", "indicator")
def _denominator_for_count(data: PolarsData, *, indicator: str) -> pl.LazyFrame:
    return _passes(data, _is_kind(indicator, "count") & _present(data))


@rule("denominator_below_numerator", "indicator", "numerator")
def _denominator_below_numerator(data: PolarsData, *, indicator: str, numerator: str):
    below = as_decimal(data.key) < as_decimal(numerator)
    return _passes(data, _is_kind(indicator, "proportion") & below)


# -- across rows ------------------------------------------------------------------------


@rule("duplicate_key", "key")
def _duplicate_key(data: PolarsData, *, key: tuple[str, ...]) -> pl.LazyFrame:
    """Every row sharing a duplicated key fails, not just the later ones."""
    complete = pl.all_horizontal(pl.col(c).is_not_null() for c in key)
    return _passes(data, complete & pl.struct([*key, *_per_file(data)]).is_duplicated())


def _per_file(data: PolarsData) -> list[str]:
    return [FILE_INDEX] if FILE_INDEX in data.lazyframe.collect_schema().names() else []


@rule("area_for_version", "version")
def _area_for_version(data: PolarsData, *, version: str) -> pl.LazyFrame:
    return _passes(data, ~pl.concat_str(version, data.key, separator="/").is_in(_star_pairs()))


def _star_pairs() -> list[str]:
    return [f"{v}/{area}" for v, areas in reference.star_areas().items() for area in areas]


def _missing_items(data: PolarsData, items: pl.Expr, expected: pl.Expr) -> pl.LazyFrame:
    """Rows of a unit (reading, questionnaire) that lacks an item it must have.

    ``expected`` is, per row, the list of items its unit needs; ``items`` the row's item.
    """
    have = items.implode().over([data.key, *_per_file(data)])
    missing = expected.list.set_difference(have).list.len() > 0
    return _passes(data, _present(data) & missing)


@rule("incomplete_reading", "version", "area")
def _incomplete_reading(data: PolarsData, *, version: str, area: str) -> pl.LazyFrame:
    areas = pl.col(version).replace_strict(
        {v: list(a) for v, a in reference.star_areas().items()},
        default=None,
        return_dtype=pl.List(pl.String),
    )
    return _missing_items(data, pl.col(area), areas)


@rule("incomplete_response", "item")
def _incomplete_response(data: PolarsData, *, item: str) -> pl.LazyFrame:
    items = pl.lit(list(reference.column("raw_items", "item_code")), dtype=pl.List(pl.String))
    return _missing_items(data, pl.col(item), items)
