"""The Star contract, rule by rule."""

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
    star_knock,
)
from tests.returns_factory import valid_rows

pytestmark = pytest.mark.contracts


# -- star ---------------------------------------------------------------------------------
# RD-A: rows 2-8 (older_people), RD-B: rows 9-18 (family_plus), RD-C: rows 19-28 (recovery).
# Row 3 is RD-A's keeping_in_touch row.

STAR_CASES = [
    case("star", 3, "hcn", "943476591", (3, "hcn", "hcn_format", "******591"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "hcn", "9434765918", (3, "hcn", "hcn_check_digit", "*******918"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "hcn", "1234567890", (3, "hcn", "hcn_check_digit", "*******890"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "worker_id", "W" * 21, (3, "worker_id", "text_length", masked("W" * 21)), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "birth_year", "19x1", (3, "birth_year", "integer", "19x1"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "birth_year", "1941.5", (3, "birth_year", "integer", "1941.5"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "birth_year", "1899", (3, "birth_year", "birth_year_range", "1899"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "birth_year", "2026", (3, "birth_year", "birth_year_range", "2026"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "sex", "Female", (3, "sex", "code", "Female"), *star_knock(failing=(3,))),
    case("star", 3, "lgd_code", "N09000012", (3, "lgd_code", "code", "N09000012"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "programme_of_care", "POC2", (3, "programme_of_care", "code", "POC2"), *star_knock(failing=(3,))),  # noqa: E501
    # an unknown version has no areas: the row's area is not of its version either
    case("star", 3, "star_version", "older", (3, "star_version", "code", "older"), (3, "area_code", "area_for_version", "keeping_in_touch"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "reading_date", "2025-02-30", (3, "reading_date", "date", "2025-02-30"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "reading_date", "April 2025", (3, "reading_date", "date", "April 2025"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "reading_date", "2025-03-31", (3, "reading_date", "period", "2025-03-31"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "reading_date", "2025-07-01", (3, "reading_date", "period", "2025-07-01"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "reading_number", "first", (3, "reading_number", "integer", "first"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "reading_number", "0", (3, "reading_number", "range", "0"), *star_knock(failing=(3,))),  # noqa: E501
    case("star", 3, "score", "7.5", (3, "score", "integer", "7.5"), *star_knock(failing=(3,))),
    case("star", 3, "score", "0", (3, "score", "range", "0"), *star_knock(failing=(3,))),
    case("star", 3, "score", "11", (3, "score", "range", "11"), *star_knock(failing=(3,))),
    # an area of another version: not of this reading's, and the reading now lacks one
    case("star", 3, "area_code", "wellbeing", (3, "area_code", "area_for_version", "wellbeing"), *star_knock()),  # noqa: E501
    case("star", 3, "area_code", "nonsense", (3, "area_code", "area_for_version", "nonsense"), *star_knock()),  # noqa: E501
    # the row's version differs from its reading's: its area is not of that version, and
    # that version's areas are missing
    case("star", 3, "star_version", "recovery", (3, "area_code", "area_for_version", "keeping_in_touch"), *star_knock()),  # noqa: E501
    # a repeated area: both rows share the key; the reading lacks keeping_in_touch
    case("star", 3, "area_code", "staying_well", (2, "reading_id", "duplicate_key", "RD-A"), (3, "reading_id", "duplicate_key", "RD-A"), *star_knock()),  # noqa: E501
    # a row moved to another reading: RD-A lacks an area; the moved row's own version
    # (older_people) is incomplete in RD-B, and RD-B's rows are knocked on
    case("star", 3, "reading_id", "RD-B", (3, "reading_id", "incomplete_reading", "RD-B"), *star_knock(failing=(3,)), *star_knock("RD-B")),  # noqa: E501
    # a failure in the last reading leaves the others loaded
    case("star", 28, "score", "99", (28, "score", "range", "99"), *star_knock("RD-C", failing=(28,))),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(("collection", "row", "column", "value", "expected"), STAR_CASES)
def test_star_rule(tmp_path, collection, row, column, value, expected):
    run_case(tmp_path, collection, row, column, value, expected)


def test_star_reading_missing_an_area(tmp_path):
    rows = valid_rows("star")
    del rows[5 - 2]  # RD-A loses its 4th area: rows 2-7 are now RD-A
    result = check(tmp_path, "star", rows)
    expected = [(r, "reading_id", "incomplete_reading", "RD-A") for r in range(2, 8)]
    assert_failures(result, expected)
    assert (result.rows, result.passed, result.failed) == (26, 20, 6)


def test_star_reading_with_a_repeated_row(tmp_path):
    rows = valid_rows("star")
    rows.append(dict(rows[0]))  # row 29 repeats row 2 (RD-A, staying_well)
    result = check(tmp_path, "star", rows)
    expected = [
        (2, "reading_id", "duplicate_key", "RD-A"),
        (29, "reading_id", "duplicate_key", "RD-A"),
        *star_knock(failing=(2,)),
    ]
    assert_failures(result, expected)
    assert (result.rows, result.passed, result.failed) == (28, 20, 8)


def test_star_same_area_in_two_readings_is_no_duplicate(tmp_path):
    # RD-B and RD-C both have social_networks (family_plus and recovery): different keys
    result = check(tmp_path, "star")
    assert_failures(result, [])
    keys = result.valid.select("reading_id", "area_code")
    assert keys.filter(pl.col("area_code") == "social_networks").height == 2


STAR_EDGES = [
    (3, "birth_year", "1900"),
    (3, "birth_year", "2025"),  # the year of the reading date
    (3, "score", "1"),
    (3, "score", "10"),
    (3, "reading_number", "1"),
    (3, "reading_number", "12"),
    (3, "worker_id", "W"),
    (3, "worker_id", "W" * 20),
    (2, "reading_date", "2025-04-01"),  # the reading's rows need not share a date
    (2, "reading_date", "2025-06-30"),
]


def test_star_accepts_edge_values(tmp_path):
    assert_edges_pass(tmp_path, "star", STAR_EDGES)
