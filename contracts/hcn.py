"""Health and Care Number check digit (returns.md, Common fields)."""

from __future__ import annotations

import functools

import polars as pl

WEIGHTS = range(10, 1, -1)
PLACES = tuple(10**power for power in range(8, -1, -1))  # of each of the nine digits, in order


def check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None where none is valid."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def check_digits(first_nine):
    """``check_digit`` of many nine-digit numbers (0 - 999 999 999) at once; -1 where none is
    valid. Leading zeros count as digits, as in the text form."""
    import numpy as np  # here: checking a return needs no numpy (its import is ~0.1 s)

    numbers = np.asarray(first_nine, dtype=np.int64)
    if ((numbers < 0) | (numbers >= 10**9)).any():
        raise ValueError("check_digits needs numbers of at most nine digits")
    check = 11 - weighted_total(numbers) % 11
    return np.where(check == 11, 0, np.where(check == 10, -1, check))


def weighted_total(first_nine):
    """The weighted sum of the digits of nine-digit numbers (a numpy array)."""
    return sum(
        first_nine // place % 10 * weight for weight, place in zip(WEIGHTS, PLACES, strict=True)
    )


def weighted_total_of(first_nine: pl.Expr) -> pl.Expr:
    """``weighted_total`` as a polars expression, three digits at a time: each three-digit
    part's weighted sum is looked up (a third of the arithmetic of digit by digit)."""
    parts = (first_nine // 1_000_000, first_nine // 1_000 % 1_000, first_nine % 1_000)
    tables = _part_totals()
    return sum(pl.lit(table).gather(part) for table, part in zip(tables, parts, strict=True))


@functools.cache
def _part_totals() -> tuple[pl.Series, ...]:
    """For each three-digit part of the nine digits, the weighted sum of 000 to 999."""
    weights = tuple(WEIGHTS)
    return tuple(
        pl.Series(
            [sum(int(d) * w for d, w in zip(f"{n:03d}", part, strict=True)) for n in range(1000)],
            dtype=pl.Int64,
        )
        for part in (weights[0:3], weights[3:6], weights[6:9])
    )


def is_valid(hcn: str) -> bool:
    return (
        len(hcn) == 10 and hcn.isascii() and hcn.isdigit() and check_digit(hcn[:9]) == int(hcn[9])
    )
