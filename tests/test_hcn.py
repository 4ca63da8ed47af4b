"""The Health and Care Number check digit (contracts/hcn.py): one number and many at once."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from contracts.hcn import check_digit, check_digits, is_valid, weighted_total, weighted_total_of

# nine digits -> check digit, -1 where none is valid (weights 10..2, 11 - sum mod 11)
KNOWN = {
    943_476_591: 9,  # sum 299, mod 11 = 2: 11 - 2
    0: 0,  # sum 0: 11 - 0 = 11, written 0
    1: 9,  # sum 2: 11 - 2
    6: -1,  # sum 12, mod 11 = 1: 11 - 1 = 10, no valid digit
    12_345_678: 9,  # 012345678: the leading zero counts, sum 156, mod 11 = 2
}


def scalar(prefix: int) -> int:
    """``check_digit`` of a number written with nine digits, -1 for None."""
    digit = check_digit(f"{prefix:09d}")
    return -1 if digit is None else digit


def test_check_digits_agree_with_check_digit_on_random_prefixes():
    prefixes = np.random.default_rng(20_250_401).integers(0, 10**9, 10_000, dtype=np.int64)
    expected = np.array([scalar(p) for p in prefixes.tolist()])
    assert check_digits(prefixes).tolist() == expected.tolist()
    assert (expected == -1).any() and (expected == 0).any()  # both special cases are covered


def test_check_digits_of_known_numbers():
    assert [scalar(p) for p in KNOWN] == list(KNOWN.values())
    assert check_digits(np.array(list(KNOWN), dtype=np.int64)).tolist() == list(KNOWN.values())
    assert is_valid("9434765919")


def test_check_digits_keep_the_shape_and_refuse_longer_numbers():
    assert check_digits(np.array([[943_476_591, 0]])).tolist() == [[9, 0]]
    assert check_digits(np.array([], dtype=np.int64)).tolist() == []
    for bad in (10**9, -1):
        with pytest.raises(ValueError):
            check_digits(np.array([bad]))


def test_the_rules_weighted_total_is_the_digit_by_digit_one():
    prefixes = np.random.default_rng(7).integers(0, 10**9, 10_000, dtype=np.int64)
    prefixes = np.concatenate([prefixes, [0, 1, 999, 1_000, 999_999, 10**6, 10**9 - 1]])
    got = pl.select(weighted_total_of(pl.lit(pl.Series(prefixes)))).to_series()
    assert got.to_list() == weighted_total(prefixes).tolist()
    assert pl.select(weighted_total_of(pl.lit(None, dtype=pl.Int64))).item() is None
