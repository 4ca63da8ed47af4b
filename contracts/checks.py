"""Every rule of returns.md, written once as the expression true where a row breaks it.

A rule's name is the rule a failure reports. ``contracts.pandera_checks`` registers each as a
pandera check of that name (the models name them); ``contracts.evaluate`` puts every rule's
expression into one polars pass (``FAILS``). Nothing here imports pandera, so checking a file
does not either.
Checks pass empty values (emptiness is the ``required`` rule, from ``nullable=False``) and
values of the wrong type (the type rule reports those), so each failure names one real
reason. The validator adds the file's period as the hidden columns ``_period_first`` and
``_period_last``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from contracts import reference
from contracts.hcn import weighted_total_of
from contracts.parse import READINGS

PERIOD_FIRST = "_period_first"
PERIOD_LAST = "_period_last"
FILE_INDEX = "_file"  # which file of a batch a row came from: rules across rows stay per file


def parsed(type_name: str, column: str) -> pl.Expr:
    """``column`` read as ``type_name`` (a key of ``READINGS``), from its text."""
    return READINGS[type_name](column)


@dataclass(frozen=True)
class Rows:
    """What a rule reads: the rows, the column it checks (``key``), and any column read as a
    type. ``typed`` parses the text by default; the one-pass evaluator hands columns it has
    parsed once for every rule that reads them (polars does not share them by itself)."""

    lazyframe: pl.LazyFrame
    key: str
    typed: Callable[[str, str], pl.Expr] = parsed


Fails = Callable[..., pl.Expr]  # (rows, **statistics) -> true where a row breaks the rule
FAILS: dict[str, Fails] = {}  # rule name -> its expression
STATISTICS: dict[str, tuple[str, ...]] = {}  # rule name -> the statistics a model gives it


def rule(name: str, *statistics: str) -> Callable[[Fails], Fails]:
    """Record ``fails`` as the rule ``name`` (the rule its failures report)."""

    def record(fails: Fails) -> Fails:
        fails.__name__ = name
        FAILS[name] = fails
        STATISTICS[name] = statistics
        return fails

    return record


def failing(failed: pl.Expr) -> pl.Expr:
    """A row fails only where ``failed`` is true: a null comparison is no failure."""
    return failed.fill_null(False)


def _present(data: Rows) -> pl.Expr:
    return pl.col(data.key).is_not_null()


# -- types ------------------------------------------------------------------------------


@rule("integer")
def _integer(data: Rows) -> pl.Expr:
    return _present(data) & data.typed("integer", data.key).is_null()


@rule("decimal")
def _decimal(data: Rows) -> pl.Expr:
    return _present(data) & data.typed("decimal", data.key).is_null()


@rule("date")
def _date(data: Rows) -> pl.Expr:
    return _present(data) & data.typed("date", data.key).is_null()


@rule("boolean")
def _boolean(data: Rows) -> pl.Expr:
    return _present(data) & data.typed("boolean", data.key).is_null()


# -- values -----------------------------------------------------------------------------


@rule("code", "allowed")
def _code(data: Rows, *, allowed: tuple[str, ...]) -> pl.Expr:
    return ~pl.col(data.key).is_in(allowed)


@rule("range", "low", "high", "low_open")
def _range(data: Rows, *, low=None, high=None, low_open=False) -> pl.Expr:
    value = data.typed("decimal", data.key)
    below = pl.lit(False) if low is None else (value <= low if low_open else value < low)
    above = pl.lit(False) if high is None else value > high
    return below | above


@rule("text_length", "low", "high")
def _text_length(data: Rows, *, low: int, high: int) -> pl.Expr:
    return ~pl.col(data.key).str.len_chars().is_between(low, high)


@rule("hcn_format")
def _hcn_format(data: Rows) -> pl.Expr:
    return _present(data) & data.typed("hcn_number", data.key).is_null()


@rule("hcn_check_digit")
def _hcn_check_digit(data: Rows) -> pl.Expr:
    # Integer digits of one number (ten text slices cost several times more). The check
    # digit is 11 - total % 11, 11 read as 0; 10 means no number is valid, and 10 is no digit.
    number = data.typed("hcn_number", data.key)  # null unless ten digits: hcn_format's
    total = weighted_total_of(number // 10)
    return (11 - total % 11) % 11 != number % 10


# -- dates ------------------------------------------------------------------------------


@rule("period")
def _period(data: Rows) -> pl.Expr:
    day = data.typed("date", data.key)
    return ~day.is_between(pl.col(PERIOD_FIRST), pl.col(PERIOD_LAST))


@rule("snapshot_date")
def _snapshot_date(data: Rows) -> pl.Expr:
    return data.typed("date", data.key) != pl.col(PERIOD_LAST)


def _before(data: Rows, start: str) -> pl.Expr:
    return data.typed("date", data.key) < data.typed("date", start)


@rule("due_before_start", "start")
def _due_before_start(data: Rows, *, start: str) -> pl.Expr:
    return _before(data, start)


@rule("completed_before_start", "start")
def _completed_before_start(data: Rows, *, start: str) -> pl.Expr:
    return _before(data, start)


@rule("birth_year_range", "dated_by")
def _birth_year_range(data: Rows, *, dated_by: str) -> pl.Expr:
    year = data.typed("integer", data.key)
    return (year < 1900) | (year > data.typed("date", dated_by).dt.year())


@rule("age_over_21", "dated_by")
def _age_over_21(data: Rows, *, dated_by: str) -> pl.Expr:
    return data.typed("date", dated_by).dt.year() - data.typed("integer", data.key) > 21


# -- across columns ---------------------------------------------------------------------


@rule("expected_for_sct4", "instrument")
def _expected_for_sct4(data: Rows, *, instrument: str) -> pl.Expr:
    return _present(data) & (pl.col(instrument) == "SCT4")


@rule("sickness_over_contracted", "contracted")
def _sickness_over_contracted(data: Rows, *, contracted: str) -> pl.Expr:
    return data.typed("decimal", data.key) > data.typed("integer", contracted)


def _is_kind(indicator: str, kind: str) -> pl.Expr:
    """The indicator is of this kind (an unknown code is of neither: the code rule says so)."""
    kinds = reference.seed("indicators")
    codes = kinds.filter(pl.col("indicator_kind") == kind)["indicator_code"]
    return pl.col(indicator).is_in(codes.to_list())


@rule("denominator_required", "indicator")
def _denominator_required(data: Rows, *, indicator: str) -> pl.Expr:
    return _is_kind(indicator, "proportion") & ~_present(data)


@rule("denominator_for_count", "indicator")
def _denominator_for_count(data: Rows, *, indicator: str) -> pl.Expr:
    return _is_kind(indicator, "count") & _present(data)


@rule("denominator_below_numerator", "indicator", "numerator")
def _denominator_below_numerator(data: Rows, *, indicator: str, numerator: str) -> pl.Expr:
    below = data.typed("decimal", data.key) < data.typed("decimal", numerator)
    return _is_kind(indicator, "proportion") & below


# -- across rows ------------------------------------------------------------------------


@rule("duplicate_key", "key")
def _duplicate_key(data: Rows, *, key: tuple[str, ...]) -> pl.Expr:
    """Every row sharing a duplicated key fails, not just the later ones."""
    complete = pl.all_horizontal(pl.col(c).is_not_null() for c in key)
    if _per_file(data):
        # within each file of a batch: a window per file costs less than the file in the key
        return complete & pl.struct(key).is_duplicated().over(FILE_INDEX)
    # one file: counting each key's rows costs less than hashing them as one value (2M rows)
    return complete & (pl.len().over(key) > 1)


def _per_file(data: Rows) -> list[str]:
    """The file column, if the rows are of several files (``evaluate`` leaves it out of the
    schema rules see when they are of one)."""
    return [FILE_INDEX] if FILE_INDEX in data.lazyframe.collect_schema().names() else []


@rule("area_for_version", "version")
def _area_for_version(data: Rows, *, version: str) -> pl.Expr:
    """The area is none of its row's version (an unknown version has no areas): no bit in
    common (looking the two codes up costs less than joining them into one to look up)."""
    areas, versions = _star_bits()
    area_bits = pl.col(data.key).replace_strict(areas, default=0, return_dtype=pl.Int64)
    version_bits = pl.col(version).replace_strict(versions, default=0, return_dtype=pl.Int64)
    written = _present(data) & pl.col(version).is_not_null()
    return written & (area_bits & version_bits == 0)


@functools.cache
def _star_bits() -> tuple[dict[str, int], dict[str, int]]:
    """A bit for each (version, area) of the seed: each area's bits (one for each version it
    belongs to), and each version's (those of its areas)."""
    areas: dict[str, int] = {}
    versions: dict[str, int] = {}
    pairs = ((v, a) for v, codes in reference.star_areas().items() for a in codes)
    for position, (star_version, star_area) in enumerate(pairs):
        areas[star_area] = areas.get(star_area, 0) | 1 << position
        versions[star_version] = versions.get(star_version, 0) | 1 << position
    return areas, versions


def _lacks_an_item(data: Rows, item: str, bits: dict[str, int], needs: pl.Expr) -> pl.Expr:
    """The row's unit (reading, questionnaire) lacks an item it needs.

    Each item is a bit (``bits``); a unit has the OR of its rows' bits, one integer window
    (gathering each unit's items into lists to compare costs several times more). ``needs``
    is, per row, the bits its unit must have (null: no rule applies).
    """
    bit = pl.col(item).replace_strict(bits, default=0, return_dtype=pl.Int64).fill_null(0)
    have = bit.bitwise_or().over([data.key, *_per_file(data)])
    return _present(data) & (have & needs != needs)


@rule("incomplete_reading", "version", "area")
def _incomplete_reading(data: Rows, *, version: str, area: str) -> pl.Expr:
    """A reading lacks an area of its row's version (an unknown version: the code rule)."""
    bits, needs = _star_bits()
    version_needs = pl.col(version).replace_strict(needs, default=None, return_dtype=pl.Int64)
    return _lacks_an_item(data, area, bits, version_needs)


@rule("incomplete_response", "item")
def _incomplete_response(data: Rows, *, item: str) -> pl.Expr:
    items = dict.fromkeys(reference.column("raw_items", "item_code"))
    bits = {code: 1 << position for position, code in enumerate(items)}
    return _lacks_an_item(data, item, bits, pl.lit(sum(bits.values()), dtype=pl.Int64))
