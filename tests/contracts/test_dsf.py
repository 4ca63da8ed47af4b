"""The DSF contract, rule by rule."""

from __future__ import annotations

import pytest

from tests.contracts.helpers import assert_edges_pass, case, run_case

pytestmark = pytest.mark.contracts


# -- dsf ----------------------------------------------------------------------------------
# EV-1 row 2: start 2025-03-20, due 2025-04-03, completed 2025-04-02.
# EV-2 row 3: start 2025-06-01, due 2025-06-30, open.

DSF_CASES = [
    case("dsf", 3, "event_id", "EV-1", (2, "event_id", "duplicate_key", "EV-1"), (3, "event_id", "duplicate_key", "EV-1")),  # noqa: E501
    case("dsf", 2, "hcn", "9434765918", (2, "hcn", "hcn_check_digit", "*******918")),
    case("dsf", 2, "hcn", "94347659190", (2, "hcn", "hcn_format", "********190")),
    case("dsf", 2, "birth_year", "twenty", (2, "birth_year", "integer", "twenty")),
    case("dsf", 2, "birth_year", "1899", (2, "birth_year", "birth_year_range", "1899")),
    case("dsf", 2, "birth_year", "2026", (2, "birth_year", "birth_year_range", "2026")),
    case("dsf", 2, "sex", "x", (2, "sex", "code", "x")),
    case("dsf", 2, "lgd_code", "N9000003", (2, "lgd_code", "code", "N9000003")),
    case("dsf", 2, "programme_of_care", "POC 3", (2, "programme_of_care", "code", "POC 3")),
    case("dsf", 2, "function_code", "CP_INITIAL", (2, "function_code", "code", "CP_INITIAL")),
    case("dsf", 2, "start_date", "2025-02-29", (2, "start_date", "date", "2025-02-29")),
    case("dsf", 2, "due_date", "3 April 2025", (2, "due_date", "date", "3 April 2025")),
    case("dsf", 2, "completed_date", "yesterday", (2, "completed_date", "date", "yesterday")),
    case("dsf", 2, "due_date", "2025-07-01", (2, "due_date", "period", "2025-07-01")),
    case("dsf", 3, "due_date", "2025-07-01", (3, "due_date", "period", "2025-07-01")),
    # before the start and before the period: both rules
    case("dsf", 2, "due_date", "2025-03-19", (2, "due_date", "due_before_start", "2025-03-19"), (2, "due_date", "period", "2025-03-19")),  # noqa: E501
    # the start moved after the due date: the due date is reported
    case("dsf", 3, "start_date", "2025-07-01", (3, "due_date", "due_before_start", "2025-06-30")),
    case("dsf", 2, "completed_date", "2025-03-19", (2, "completed_date", "completed_before_start", "2025-03-19")),  # noqa: E501
    # the start moved past both due and completed dates
    case("dsf", 2, "start_date", "2025-04-05", (2, "due_date", "due_before_start", "2025-04-03"), (2, "completed_date", "completed_before_start", "2025-04-02")),  # noqa: E501
    # dated by due_date: a birth in the due date's year is fine, the next year is not
    case("dsf", 3, "birth_year", "2026", (3, "birth_year", "birth_year_range", "2026")),
]  # fmt: skip


@pytest.mark.parametrize(("collection", "row", "column", "value", "expected"), DSF_CASES)
def test_dsf_rule(tmp_path, collection, row, column, value, expected):
    run_case(tmp_path, collection, row, column, value, expected)


DSF_EDGES = [
    (2, "start_date", "2025-04-02"),  # = completed date
    (3, "start_date", "2025-06-30"),  # = due date
    (3, "completed_date", "2025-06-01"),  # = start date
    (3, "completed_date", "2025-07-15"),  # completed after the period end: no rule
    (2, "start_date", "2024-01-01"),  # the clock started long before the period
    (2, "due_date", "2025-04-01"),
    (2, "birth_year", "2025"),
    (2, "function_code", "CARER_ASSESSMENT"),
]


def test_dsf_accepts_edge_values(tmp_path):
    assert_edges_pass(tmp_path, "dsf", DSF_EDGES)
