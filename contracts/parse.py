"""Text -> typed values, as polars expressions: the one place a return's text is read as a type.

Returns arrive as text (every reader yields string columns) so that a bad value can be
reported as written. Checks use these expressions to find unreadable values; the loader uses
the same ones to type the rows that passed.
"""

from __future__ import annotations

import polars as pl

INTEGER_PATTERN = r"^[+-]?\d+(\.0+)?$"  # "3.0" is how a spreadsheet may write 3
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")


def as_integer(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    # What casts at once ("12", "-007") matches the pattern as it is: only the rest (nulls
    # there cost nothing) pay for the pattern and for dropping a ".0".
    direct = expr.cast(pl.Int64, strict=False)
    rest = pl.when(direct.is_null()).then(expr)
    spelt = (
        pl.when(rest.str.contains(INTEGER_PATTERN))
        .then(rest.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False))
        .otherwise(None)
    )
    return pl.coalesce(direct, spelt)


def as_decimal(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    value = expr.cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value).otherwise(None)


def as_date(column: str | pl.Expr) -> pl.Expr:
    """ISO dates (``2025-04-01``, a trailing midnight time allowed) or UK ``01/04/2025``."""
    expr = pl.col(column) if isinstance(column, str) else column
    # Only text longer than a date can carry a time to drop (a shorter text with one is no
    # date either way); nulls cost the replace nothing.
    longer = pl.when(expr.str.len_bytes() > 10).then(expr)
    iso = pl.coalesce(longer.str.replace(r"[T ]00:00(:00(\.0+)?)?$", ""), expr)
    iso_date = pl.when(iso.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$")).then(iso)
    uk_date = pl.when(expr.str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$")).then(expr)
    return pl.coalesce(
        iso_date.str.strptime(pl.Date, "%Y-%m-%d", strict=False, exact=True),
        uk_date.str.strptime(pl.Date, "%d/%m/%Y", strict=False, exact=True),
    )


def as_boolean(column: str | pl.Expr) -> pl.Expr:
    expr = (pl.col(column) if isinstance(column, str) else column).str.to_lowercase()
    return (
        pl.when(expr.is_in(TRUE_WORDS))
        .then(True)
        .when(expr.is_in(FALSE_WORDS))
        .then(False)
        .otherwise(None)
    )


def as_hcn_number(column: str | pl.Expr) -> pl.Expr:
    """A Health and Care Number written as ten digits, as a number (leading zeros are lost:
    it is only for the check digit); null otherwise."""
    expr = pl.col(column) if isinstance(column, str) else column
    # Ten bytes that cast as a whole number with no sign are ten digits (a pattern costs
    # three times this; tests/test_parse.py holds it to ``^[0-9]{10}$``).
    unsigned = ~expr.str.starts_with("+") & ~expr.str.starts_with("-")
    return pl.when((expr.str.len_bytes() == 10) & unsigned).then(expr).cast(pl.Int64, strict=False)


# a column's type (the name of its type rule) -> how its text reads as that type
PARSERS = {"integer": as_integer, "decimal": as_decimal, "date": as_date, "boolean": as_boolean}
# every reading of text rules share (each parsed once per batch by the one-pass evaluator)
READINGS = {**PARSERS, "hcn_number": as_hcn_number}
