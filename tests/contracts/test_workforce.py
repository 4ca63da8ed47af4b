"""The workforce contract, rule by rule."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests import returns_factory as factory
from tests.contracts.helpers import (
    assert_edges_pass,
    assert_failures,
    case,
    check,
    masked,
    run_case,
)
from tests.returns_factory import Row, spoil, valid_rows

pytestmark = pytest.mark.contracts


# -- workforce ----------------------------------------------------------------------------
# W4001 row 2 (contracted 62, sickness 2.5), W4002 row 3 (AYE, contracted 31, sickness 0),
# W4003 row 4 (manager, contracted 60, sickness 0).

WORKFORCE_CASES = [
    case("workforce", 3, "worker_id", "W4001", (2, "worker_id", "duplicate_key", "**001"), (3, "worker_id", "duplicate_key", "**001")),  # noqa: E501
    case("workforce", 3, "worker_id", "STAFF-0000000000000001", (3, "worker_id", "text_length", masked("STAFF-0000000000000001"))),  # noqa: E501
    case("workforce", 3, "snapshot_date", "2025-06-31", (3, "snapshot_date", "date", "2025-06-31")),
    case("workforce", 3, "snapshot_date", "2025-06-29", (3, "snapshot_date", "snapshot_date", "2025-06-29")),  # noqa: E501
    case("workforce", 3, "snapshot_date", "2025-04-01", (3, "snapshot_date", "snapshot_date", "2025-04-01")),  # noqa: E501
    case("workforce", 3, "snapshot_date", "2025-07-01", (3, "snapshot_date", "period", "2025-07-01"), (3, "snapshot_date", "snapshot_date", "2025-07-01")),  # noqa: E501
    case("workforce", 3, "snapshot_date", "2025-03-31", (3, "snapshot_date", "period", "2025-03-31"), (3, "snapshot_date", "snapshot_date", "2025-03-31")),  # noqa: E501
    case("workforce", 3, "job_role", "social worker", (3, "job_role", "code", "social worker")),
    case("workforce", 3, "band", "9", (3, "band", "code", "9")),
    case("workforce", 3, "band", "8E", (3, "band", "code", "8E")),
    case("workforce", 3, "contract_type", "bank", (3, "contract_type", "code", "bank")),
    case("workforce", 3, "age_band", "20_29", (3, "age_band", "code", "20_29")),
    case("workforce", 3, "programme_of_care", "POC9", (3, "programme_of_care", "code", "POC9")),
    case("workforce", 3, "wte", "half", (3, "wte", "decimal", "half")),
    case("workforce", 3, "wte", "0", (3, "wte", "range", "0")),
    case("workforce", 3, "wte", "-0.5", (3, "wte", "range", "-0.5")),
    case("workforce", 3, "wte", "1.01", (3, "wte", "range", "1.01")),
    case("workforce", 3, "aye", "maybe", (3, "aye", "boolean", "maybe")),
    case("workforce", 3, "contracted_days", "thirty", (3, "contracted_days", "integer", "thirty")),
    case("workforce", 3, "contracted_days", "31.5", (3, "contracted_days", "integer", "31.5")),
    case("workforce", 3, "contracted_days", "93", (3, "contracted_days", "range", "93")),
    # sick days (0) now exceed contracted days (-1) too
    case("workforce", 3, "contracted_days", "-1", (3, "contracted_days", "range", "-1"), (3, "sickness_days", "sickness_over_contracted", "0")),  # noqa: E501
    case("workforce", 3, "sickness_days", "two", (3, "sickness_days", "decimal", "two")),
    case("workforce", 3, "sickness_days", "-0.5", (3, "sickness_days", "range", "-0.5")),
    case("workforce", 2, "sickness_days", "62.5", (2, "sickness_days", "sickness_over_contracted", "62.5")),  # noqa: E501
    # fewer contracted days than sick days: the sickness value is reported
    case("workforce", 2, "contracted_days", "2", (2, "sickness_days", "sickness_over_contracted", "2.5")),  # noqa: E501
    case("workforce", 2, "direct_work_hours", "n/a", (2, "direct_work_hours", "decimal", "n/a")),
    case("workforce", 2, "direct_work_hours", "-1", (2, "direct_work_hours", "range", "-1")),
    case("workforce", 3, "recruitment_days", "ten", (3, "recruitment_days", "integer", "ten")),
    case("workforce", 3, "recruitment_days", "7.5", (3, "recruitment_days", "integer", "7.5")),
    case("workforce", 3, "recruitment_days", "-1", (3, "recruitment_days", "range", "-1")),
]  # fmt: skip


@pytest.mark.parametrize(("collection", "row", "column", "value", "expected"), WORKFORCE_CASES)
def test_workforce_rule(tmp_path, collection, row, column, value, expected):
    run_case(tmp_path, collection, row, column, value, expected)


WORKFORCE_EDGES = [
    (2, "wte", "1"),
    (2, "wte", "0.01"),
    (2, "contracted_days", "92"),
    (3, "contracted_days", "0"),  # sickness 0
    (2, "sickness_days", "62"),  # = contracted days
    (2, "direct_work_hours", "0"),
    (2, "direct_work_hours", ""),
    (3, "recruitment_days", "0"),
    (3, "recruitment_days", ""),
    (3, "worker_id", "W"),
    (3, "worker_id", "X" * 20),
]


def test_workforce_accepts_edge_values(tmp_path):
    assert_edges_pass(tmp_path, "workforce", WORKFORCE_EDGES)


def test_workforce_every_band(tmp_path):
    bands = ["5", "6", "7", "8A", "8B", "8C", "8D"]
    base = valid_rows("workforce")[0]
    rows = [{**base, "worker_id": f"W6{i:03d}", "band": band} for i, band in enumerate(bands)]
    result = check(tmp_path, "workforce", rows)
    assert_failures(result, [])
    assert result.valid["band"].to_list() == bands


AYE_TRUE = ["true", "TRUE", "True", "tRuE", "yes", "YES", "Yes", "1", " true "]
AYE_FALSE = ["false", "FALSE", "False", "no", "NO", "No", "0", "  no"]


AYE_REJECTED = ["y", "n", "t", "f", "2", "-1", "on", "off", "truee", "nope", "1.0", "ja", "✓"]


def _staff(ayes: Sequence[str]) -> list[Row]:
    """One post holder per ``aye`` text (rows 2, 3, ...)."""
    base = valid_rows("workforce")[0]
    return [{**base, "worker_id": f"W5{i:03d}", "aye": aye} for i, aye in enumerate(ayes)]


def test_workforce_aye_accepted_in_any_case(tmp_path):
    texts = AYE_TRUE + AYE_FALSE
    result = check(tmp_path, "workforce", _staff(texts))
    assert_failures(result, [])
    assert result.valid["aye"].to_list() == [True] * len(AYE_TRUE) + [False] * len(AYE_FALSE)


def test_workforce_aye_rejected(tmp_path):
    result = check(tmp_path, "workforce", _staff(AYE_REJECTED))
    expected = [(row, "aye", "boolean", text) for row, text in enumerate(AYE_REJECTED, start=2)]
    assert_failures(result, expected)
    assert result.passed == 0


@pytest.mark.parametrize(
    ("period", "last_day", "not_last"),
    [
        ("2025-26-Q1", "2025-06-30", "2025-06-01"),
        ("2025-26-Q2", "2025-09-30", "2025-09-29"),
        ("2025-26-Q3", "2025-12-31", "2025-12-30"),
        ("2025-26-Q4", "2026-03-31", "2026-03-30"),
    ],
)
def test_workforce_snapshot_is_the_periods_last_day(tmp_path, period, last_day, not_last):
    name = factory.file_name("workforce", period=period)
    good = [{**row, "snapshot_date": last_day} for row in valid_rows("workforce")]
    assert_failures(check(tmp_path, "workforce", good, name=name), [])
    bad = spoil(good, 2, "snapshot_date", not_last)
    result = check(tmp_path, "workforce", bad, name=name)
    assert_failures(result, [(2, "snapshot_date", "snapshot_date", not_last)])
