"""The ASCOT contract, rule by rule."""

from __future__ import annotations

import polars as pl
import pytest

from tests.contracts.helpers import (
    assert_edges_pass,
    assert_failures,
    case,
    check,
    masked,
    run_case,
)
from tests.returns_factory import EXPECTED

pytestmark = pytest.mark.contracts


# -- ascot --------------------------------------------------------------------------------
# AS-1 row 2 (INT4, with expected), AS-2 row 3 (SCT4), AS-3 row 4 (SCT4, social empty).

ASCOT_CASES = [
    case("ascot", 2, "assessment_id", "AS-2", (2, "assessment_id", "duplicate_key", "AS-2"), (3, "assessment_id", "duplicate_key", "AS-2")),  # noqa: E501
    case("ascot", 2, "hcn", "9434765910", (2, "hcn", "hcn_check_digit", "*******910")),
    case("ascot", 2, "hcn", "94347659", (2, "hcn", "hcn_format", "*****659")),
    case("ascot", 2, "worker_id", "STAFF-NUMBER-00000001", (2, "worker_id", "text_length", masked("STAFF-NUMBER-00000001"))),  # noqa: E501
    case("ascot", 2, "birth_year", "nineteen40", (2, "birth_year", "integer", "nineteen40")),
    case("ascot", 2, "birth_year", "1899", (2, "birth_year", "birth_year_range", "1899")),
    case("ascot", 2, "birth_year", "2026", (2, "birth_year", "birth_year_range", "2026")),
    case("ascot", 2, "sex", "Q", (2, "sex", "code", "Q")),
    case("ascot", 2, "lgd_code", "N09000000", (2, "lgd_code", "code", "N09000000")),
    case("ascot", 2, "programme_of_care", "POC8", (2, "programme_of_care", "code", "POC8")),
    case("ascot", 2, "assessment_date", "2025-04-31", (2, "assessment_date", "date", "2025-04-31")),
    case("ascot", 2, "assessment_date", "2025-03-31", (2, "assessment_date", "period", "2025-03-31")),  # noqa: E501
    case("ascot", 3, "assessment_date", "2025-07-01", (3, "assessment_date", "period", "2025-07-01")),  # noqa: E501
    case("ascot", 2, "instrument", "INT3", (2, "instrument", "code", "INT3")),
    case("ascot", 2, "control", "two", (2, "control", "integer", "two")),
    case("ascot", 2, "control", "4", (2, "control", "range", "4")),
    case("ascot", 2, "dignity", "-1", (2, "dignity", "range", "-1")),
    case("ascot", 2, "control_expected", "x", (2, "control_expected", "integer", "x")),
    case("ascot", 2, "dignity_expected", "4", (2, "dignity_expected", "range", "4")),
    case("ascot", 2, "satisfaction", "0", (2, "satisfaction", "range", "0")),
    case("ascot", 2, "satisfaction", "8", (2, "satisfaction", "range", "8")),
    case("ascot", 2, "satisfaction", "2.5", (2, "satisfaction", "integer", "2.5")),
    *[
        case("ascot", 3, column, "1", (3, column, "expected_for_sct4", "1"))
        for column in (EXPECTED[0], EXPECTED[-1])  # all eight: the INT4 -> SCT4 case below
    ],
    # an out-of-range expected state on an SCT4 breaks both rules
    case("ascot", 3, "safety_expected", "9", (3, "safety_expected", "expected_for_sct4", "9"), (3, "safety_expected", "range", "9")),  # noqa: E501
    # the interview row turned self-completion: all eight expected states are now wrong
    case("ascot", 2, "instrument", "SCT4", *[(2, c, "expected_for_sct4", v) for c, v in zip(EXPECTED, "21002100", strict=True)]),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(("collection", "row", "column", "value", "expected"), ASCOT_CASES)
def test_ascot_rule(tmp_path, collection, row, column, value, expected):
    run_case(tmp_path, collection, row, column, value, expected)


ASCOT_EDGES = [
    (2, "control", "0"),
    (2, "control", "3"),
    (2, "control_expected", "3"),  # INT4: expected given
    (2, "control_expected", ""),  # INT4: expected may be empty
    (2, "satisfaction", "1"),
    (3, "satisfaction", "7"),
    (3, "control", ""),  # a domain missing: loaded, left out of SCRQoL
    (3, "instrument", "INT4"),  # an interview without expected states
    (2, "birth_year", "2025"),
    (2, "worker_id", "STAFF-NUMBER-0000001"),  # 20 characters
]


def test_ascot_accepts_edge_values(tmp_path):
    assert_edges_pass(tmp_path, "ascot", ASCOT_EDGES)


def test_ascot_expected_on_int4_loaded(tmp_path):
    result = check(tmp_path, "ascot")
    assert_failures(result, [])
    interview = result.valid.filter(pl.col("instrument") == "INT4")
    assert interview.select(EXPECTED).row(0) == (2, 1, 0, 0, 2, 1, 0, 0)
    self_completion = result.valid.filter(pl.col("instrument") == "SCT4")
    assert self_completion.select(pl.sum_horizontal(pl.col(EXPECTED).is_not_null())).sum()[
        0, 0
    ] == (0)
