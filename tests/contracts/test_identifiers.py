"""Identifiers: the HCN rules, and ``hcn`` / ``worker_id`` masked in every failure."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import pytest

from contracts.hcn import check_digit, is_valid
from tests import returns_factory as factory
from tests.contracts.helpers import assert_consistent, assert_failures, check, failures, masked
from tests.returns_factory import HCN_A, HCN_B, HCN_C, NO_CHECK_DIGIT, Row, spoil, valid_rows

pytestmark = pytest.mark.contracts


# -- HCN ----------------------------------------------------------------------------------

FULL_WIDTH = "".join(chr(0xFF10 + int(d)) for d in HCN_A)  # HCN_A in full-width digits
VALID_HCNS = [HCN_A, HCN_B, HCN_C, "5555555555", "4010000007", "0000000000"]


@pytest.mark.parametrize("hcn", VALID_HCNS)
def test_hcn_module_accepts_valid(hcn):
    assert factory.hcn_check_digit(hcn[:9]) == int(hcn[9])
    assert check_digit(hcn[:9]) == int(hcn[9])
    assert is_valid(hcn)


def test_hcn_check_11_becomes_0():
    assert HCN_C == "9876543210"  # weighted sum 330 = 30 x 11: check 11 -> 0
    assert check_digit("987654321") == 0


@pytest.mark.parametrize("last", range(10))
def test_hcn_module_check_10_has_no_valid_number(last):
    assert check_digit(NO_CHECK_DIGIT) is None
    assert not is_valid(f"{NO_CHECK_DIGIT}{last}")


@pytest.mark.parametrize(
    "hcn", ["943476591", "94347659190", "943476591X", "943 476 591", FULL_WIDTH, ""]
)
def test_hcn_module_rejects_malformed(hcn):
    assert not is_valid(hcn)


def _events(hcns: Sequence[str]) -> list[Row]:
    """One DSF event per HCN (rows 2, 3, ...)."""
    base = valid_rows("dsf")[0]
    return [{**base, "event_id": f"EV-{i}", "hcn": hcn} for i, hcn in enumerate(hcns)]


def test_hcn_valid_in_file(tmp_path):
    result = check(tmp_path, "dsf", _events(VALID_HCNS))
    assert_failures(result, [])
    assert result.valid["hcn"].to_list() == VALID_HCNS


def test_hcn_whose_check_digit_would_be_10_fails_whatever_the_last_digit(tmp_path):
    hcns = [f"{NO_CHECK_DIGIT}{last}" for last in range(10)]
    result = check(tmp_path, "dsf", _events(hcns))
    expected = [(row, "hcn", "hcn_check_digit", masked(h)) for row, h in enumerate(hcns, 2)]
    assert expected[0][3] == "*******890"
    assert_failures(result, expected)
    assert result.passed == 0


HCN_FAILURES = [
    ("9434765918", "hcn_check_digit"),  # check digit off by one
    ("4934765919", "hcn_check_digit"),  # two digits swapped
    ("9876543211", "hcn_check_digit"),  # 11 -> 0, not 1
    ("943476591", "hcn_format"),  # nine digits
    ("94347659190", "hcn_format"),  # eleven digits
    ("943476591X", "hcn_format"),
    ("943 476 5919", "hcn_format"),
    ("943-476-5919", "hcn_format"),
    (FULL_WIDTH, "hcn_format"),  # full-width digits
    ("12", "hcn_format"),  # too short to show three characters
]


def test_hcn_rules_in_file(tmp_path):
    result = check(tmp_path, "dsf", _events([hcn for hcn, _ in HCN_FAILURES]))
    expected = [
        (row, "hcn", rule, masked(hcn) if len(hcn) > 3 else "***")
        for row, (hcn, rule) in enumerate(HCN_FAILURES, start=2)
    ]
    assert_failures(result, expected)


@pytest.mark.parametrize(("collection", "row"), [("star", 3), ("ascot", 2), ("dsf", 2), ("raw", 5)])
def test_hcn_never_shown_whole_in_failures(tmp_path, collection, row):
    rows = valid_rows(collection)
    hcn = rows[row - 2]["hcn"]
    wrong = hcn[:9] + str((int(hcn[9]) + 1) % 10)
    rows = spoil(rows, row, "hcn", wrong)
    rows = spoil(rows, row, "sex", "Q")  # a second failure on the same row
    result = check(tmp_path, collection, rows)
    assert_consistent(result)
    assert (row, "hcn", "hcn_check_digit", masked(wrong)) in failures(result)
    text = result.failures.with_columns(pl.all().cast(pl.String)).to_dicts()
    for record in text:
        for cell in record.values():
            assert cell is None or (wrong not in cell and hcn not in cell and hcn[:9] not in cell)


def test_worker_id_masked_in_failures(tmp_path):
    rows = spoil(valid_rows("workforce"), 3, "worker_id", "W4001")
    result = check(tmp_path, "workforce", rows)
    assert_failures(
        result,
        [(2, "worker_id", "duplicate_key", "**001"), (3, "worker_id", "duplicate_key", "**001")],
    )
