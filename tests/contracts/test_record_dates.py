"""Periods and birth years judged by the record's own date."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.periods import Period
from tests import returns_factory as factory
from tests.contracts.helpers import assert_failures, check, raw_knock
from tests.returns_factory import spoil, valid_rows

pytestmark = pytest.mark.contracts


# -- periods and birth years by the record's own date --------------------------------------


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2025-26-Q1", dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
        ("2025-26-Q2", dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
        ("2025-26-Q3", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        ("2025-26-Q4", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2099-00-Q4", dt.date(2100, 1, 1), dt.date(2100, 3, 31)),
    ],
)
def test_period_days(period, first, last):
    parsed = Period.parse(period)
    assert (parsed.first_day, parsed.last_day) == (first, last)
    assert str(parsed) == period


@pytest.mark.parametrize(
    ("due", "failing"),
    [
        ("2025-12-31", True),
        ("2026-01-01", False),
        ("2026-03-31", False),
        ("2026-04-01", True),
    ],
)
def test_q4_period_spans_january_to_march(tmp_path, due, failing):
    name = factory.file_name("dsf", period="2025-26-Q4")
    rows = [{**row, "start_date": "2025-12-01", "completed_date": ""} for row in valid_rows("dsf")]
    rows = spoil(rows, 2, "due_date", due)
    rows = spoil(rows, 3, "due_date", "2026-02-15")
    result = check(tmp_path, "dsf", rows, name=name)
    assert_failures(result, [(2, "due_date", "period", due)] if failing else [])


def test_birth_year_bound_is_the_records_own_year(tmp_path):
    # Q4 of 2025-26: an assessment in February 2026 may be of someone born in 2026
    name = factory.file_name("ascot", period="2025-26-Q4")
    rows = [{**row, "assessment_date": "2026-02-01"} for row in valid_rows("ascot")]
    rows = spoil(rows, 2, "birth_year", "2026")
    rows = spoil(rows, 3, "birth_year", "2027")
    result = check(tmp_path, "ascot", rows, name=name)
    assert_failures(result, [(3, "birth_year", "birth_year_range", "2027")])


def test_raw_age_by_the_response_year(tmp_path):
    name = factory.file_name("raw", period="2025-26-Q4")
    rows = [{**row, "response_date": "2026-01-10"} for row in valid_rows("raw")]
    rows = [{**row, "birth_year": "2005"} for row in rows]  # 2026 - 2005 = 21
    assert_failures(check(tmp_path, "raw", rows, name=name), [])
    rows = spoil(rows, 14, "birth_year", "2004")  # 22
    result = check(tmp_path, "raw", rows, name=name)
    assert_failures(
        result, [(14, "birth_year", "age_over_21", "2004"), *raw_knock("RS-2", failing=(14,))]
    )
