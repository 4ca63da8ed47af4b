"""Health and Care Number check digit (returns.md, Common fields)."""

from __future__ import annotations

WEIGHTS = range(10, 1, -1)


def check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None where none is valid."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_valid(hcn: str) -> bool:
    return (
        len(hcn) == 10 and hcn.isascii() and hcn.isdigit() and check_digit(hcn[:9]) == int(hcn[9])
    )
