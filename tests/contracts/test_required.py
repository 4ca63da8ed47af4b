"""One row failing two rules, and every mandatory column required."""

from __future__ import annotations

import polars as pl
import pytest

from tests import returns_factory as factory
from tests.contracts.helpers import (
    Failure,
    assert_failures,
    case,
    check,
    raw_knock,
    run_case,
    star_knock,
)
from tests.returns_factory import COLUMNS, EXPECTED, spoil, valid_rows

pytestmark = pytest.mark.contracts


# -- one row failing two rules ------------------------------------------------------------


def test_row_failing_two_rules_reports_both(tmp_path):
    rows = spoil(valid_rows("star"), 3, "sex", "Q")
    rows = spoil(rows, 3, "score", "11")
    result = check(tmp_path, "star", rows)
    assert_failures(
        result,
        [(3, "score", "range", "11"), (3, "sex", "code", "Q"), *star_knock(failing=(3,))],
    )
    assert result.failed == 7
    assert result.passed == 20


def test_two_failing_rows_two_units(tmp_path):
    rows = spoil(valid_rows("raw"), 3, "score", "9")
    rows = spoil(rows, 20, "respondent", "carer")
    result = check(tmp_path, "raw", rows)
    assert_failures(
        result,
        [
            (3, "score", "range", "9"),
            (20, "respondent", "code", "carer"),
            *raw_knock("RS-1", failing=(3,)),
            *raw_knock("RS-2", failing=(20,)),
        ],
    )
    assert (result.passed, result.failed) == (0, 24)


# -- required: every mandatory column, generated ------------------------------------------

OPTIONAL = {
    "ascot": {*factory.DOMAINS, *EXPECTED, "satisfaction"},
    "dsf": {"completed_date"},
    "workforce": {"direct_work_hours", "recruitment_days"},
    "indicators": {"denominator", "note"},
}
SPOIL_ROW = {"star": 3, "ascot": 2, "dsf": 2, "raw": 5, "workforce": 3, "indicators": 7}


def _required_case(collection: str, column: str):
    row = SPOIL_ROW[collection]
    own: list[Failure] = [(row, column, "required", None)]
    if collection == "star":
        # the reading lacks the area once area_code is empty: the row gets the unit rule too
        own += star_knock(failing=() if column == "area_code" else (row,))
    elif collection == "raw":
        own += raw_knock(failing=() if column == "item_code" else (row,))
    return case(collection, row, column, "", *own)


REQUIRED_CASES = [
    _required_case(collection, column)
    for collection, columns in COLUMNS.items()
    for column in columns
    if column not in OPTIONAL.get(collection, set())
]


@pytest.mark.parametrize(("collection", "row", "column", "value", "expected"), REQUIRED_CASES)
def test_required(tmp_path, collection, row, column, value, expected):
    run_case(tmp_path, collection, row, column, value, expected)


@pytest.mark.parametrize(
    ("collection", "column", "expected"),
    [
        ("star", "score", [(3, "score", "required", None), *star_knock(failing=(3,))]),
        ("ascot", "instrument", [(2, "instrument", "required", None)]),
        ("dsf", "start_date", [(2, "start_date", "required", None)]),
        ("raw", "respondent", [(5, "respondent", "required", None), *raw_knock(failing=(5,))]),
        ("workforce", "aye", [(3, "aye", "required", None)]),
        ("indicators", "numerator", [(7, "numerator", "required", None)]),
    ],
)
def test_required_whitespace_only_is_empty(tmp_path, collection, column, expected):
    run_case(tmp_path, collection, SPOIL_ROW[collection], column, " \t ", expected)


@pytest.mark.parametrize("collection", sorted(OPTIONAL))
def test_optional_may_all_be_empty(tmp_path, collection):
    row = 2 if collection != "indicators" else 3  # a count indicator: denominator empty
    rows = valid_rows(collection)
    for column in OPTIONAL[collection]:
        rows = spoil(rows, row, column, "")
    result = check(tmp_path, collection, rows)
    assert_failures(result, [])
    loaded = result.valid.filter(pl.col("source_row") == row)
    assert loaded.select(sorted(OPTIONAL[collection])).null_count().row(0) == (1,) * len(
        OPTIONAL[collection]
    )
