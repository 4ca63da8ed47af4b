"""The RAW contract, rule by rule."""

from __future__ import annotations

import pytest

from tests.contracts.helpers import (
    assert_edges_pass,
    assert_failures,
    case,
    check,
    masked,
    raw_knock,
    run_case,
)
from tests.returns_factory import valid_rows

pytestmark = pytest.mark.contracts


# -- raw ----------------------------------------------------------------------------------
# RS-1 rows 2-13 (young person), RS-2 rows 14-25 (social worker); items R1-R4, A1-A4, W1-W4.
# Row 5 is RS-1's R4; birth_year 2009, response_date 2025-05-14.

RAW_CASES = [
    case("raw", 5, "hcn", "9434765911", (5, "hcn", "hcn_check_digit", "*******911"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "hcn", "HCN9434765", (5, "hcn", "hcn_format", "*******765"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "worker_id", "x" * 25, (5, "worker_id", "text_length", masked("x" * 25)), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "birth_year", "2009.5", (5, "birth_year", "integer", "2009.5"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "birth_year", "2026", (5, "birth_year", "birth_year_range", "2026"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "birth_year", "1899", (5, "birth_year", "birth_year_range", "1899"), (5, "birth_year", "age_over_21", "1899"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "birth_year", "2003", (5, "birth_year", "age_over_21", "2003"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 20, "birth_year", "1990", (20, "birth_year", "age_over_21", "1990"), *raw_knock("RS-2", failing=(20,))),  # noqa: E501
    case("raw", 5, "sex", "male", (5, "sex", "code", "male"), *raw_knock(failing=(5,))),
    case("raw", 5, "lgd_code", "95A", (5, "lgd_code", "code", "95A"), *raw_knock(failing=(5,))),
    case("raw", 5, "response_date", "14/13/2025", (5, "response_date", "date", "14/13/2025"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "response_date", "2025-03-31", (5, "response_date", "period", "2025-03-31"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "response_date", "2025-07-01", (5, "response_date", "period", "2025-07-01"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "respondent", "parent", (5, "respondent", "code", "parent"), *raw_knock(failing=(5,))),  # noqa: E501
    case("raw", 5, "score", "three", (5, "score", "integer", "three"), *raw_knock(failing=(5,))),
    case("raw", 5, "score", "5", (5, "score", "range", "5"), *raw_knock(failing=(5,))),
    case("raw", 5, "score", "-1", (5, "score", "range", "-1"), *raw_knock(failing=(5,))),
    # an unlisted item: the questionnaire also lacks R4
    case("raw", 5, "item_code", "R5", (5, "item_code", "code", "R5"), *raw_knock()),
    # a repeated item: both rows share the key; the questionnaire lacks R4
    case("raw", 5, "item_code", "R3", (4, "response_id", "duplicate_key", "RS-1"), (5, "response_id", "duplicate_key", "RS-1"), *raw_knock()),  # noqa: E501
    # an item moved to the other questionnaire: RS-1 lacks it, RS-2 has it twice
    case("raw", 5, "response_id", "RS-2", (5, "response_id", "duplicate_key", "RS-2"), (17, "response_id", "duplicate_key", "RS-2"), *raw_knock(failing=(5,)), *raw_knock("RS-2", failing=(17,))),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(("collection", "row", "column", "value", "expected"), RAW_CASES)
def test_raw_rule(tmp_path, collection, row, column, value, expected):
    run_case(tmp_path, collection, row, column, value, expected)


@pytest.mark.parametrize("dropped", [2, 5, 13])
def test_raw_questionnaire_missing_an_item(tmp_path, dropped):
    rows = valid_rows("raw")
    del rows[dropped - 2]
    result = check(tmp_path, "raw", rows)
    expected = [(r, "response_id", "incomplete_response", "RS-1") for r in range(2, 13)]
    assert_failures(result, expected)
    assert (result.rows, result.passed, result.failed) == (23, 12, 11)


RAW_EDGES = [
    (5, "birth_year", "2004"),  # 2025 - 2004 = 21: still under 22
    (5, "birth_year", "2025"),
    (5, "score", "0"),
    (5, "score", "4"),
    (5, "response_date", "2025-04-01"),
    (5, "response_date", "2025-06-30"),
]


def test_raw_accepts_edge_values(tmp_path):
    assert_edges_pass(tmp_path, "raw", RAW_EDGES)
