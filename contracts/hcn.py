"""Health and Care Number check digit (returns.md, Common fields)."""

from __future__ import annotations

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
    """The weighted sum of the digits of nine-digit numbers: a numpy array, or a polars
    expression (the contract's check-digit rule)."""
    return sum(
        first_nine // place % 10 * weight for weight, place in zip(WEIGHTS, PLACES, strict=True)
    )


def is_valid(hcn: str) -> bool:
    return (
        len(hcn) == 10 and hcn.isascii() and hcn.isdigit() and check_digit(hcn[:9]) == int(hcn[9])
    )
