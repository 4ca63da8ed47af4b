"""The indicators contract, rule by rule."""

from __future__ import annotations

import polars as pl
import pytest

from tests.contracts.helpers import assert_failures, case, check, run_case

pytestmark = pytest.mark.contracts


# -- indicators ---------------------------------------------------------------------------
# Rows 2-6 the five counts (denominator empty), row 7 PUBLIC_RATING_FAIR_OR_BETTER 412/500.

INDICATOR_CASES = [
    case("indicators", 3, "indicator_code", "QI_LEADS", (2, "indicator_code", "duplicate_key", "QI_LEADS"), (3, "indicator_code", "duplicate_key", "QI_LEADS")),  # noqa: E501
    case("indicators", 2, "indicator_code", "QI_LEAD", (2, "indicator_code", "code", "QI_LEAD")),
    case("indicators", 2, "indicator_code", "qi_leads", (2, "indicator_code", "code", "qi_leads")),
    case("indicators", 2, "numerator", "lots", (2, "numerator", "decimal", "lots")),
    case("indicators", 2, "numerator", "-1", (2, "numerator", "range", "-1")),
    case("indicators", 7, "numerator", "-1", (7, "numerator", "range", "-1")),
    case("indicators", 7, "denominator", "five hundred", (7, "denominator", "decimal", "five hundred")),  # noqa: E501
    case("indicators", 7, "denominator", "", (7, "denominator", "denominator_required", None)),
    case("indicators", 2, "denominator", "10", (2, "denominator", "denominator_for_count", "10")),
    case("indicators", 6, "denominator", "0", (6, "denominator", "denominator_for_count", "0"), (6, "denominator", "range", "0")),  # noqa: E501
    case("indicators", 7, "denominator", "411", (7, "denominator", "denominator_below_numerator", "411")),  # noqa: E501
    # the numerator raised past the denominator: the denominator is reported
    case("indicators", 7, "numerator", "501", (7, "denominator", "denominator_below_numerator", "500")),  # noqa: E501
    case("indicators", 7, "denominator", "0", (7, "denominator", "range", "0"), (7, "denominator", "denominator_below_numerator", "0")),  # noqa: E501
    case("indicators", 7, "denominator", "-5", (7, "denominator", "range", "-5"), (7, "denominator", "denominator_below_numerator", "-5")),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(("collection", "row", "column", "value", "expected"), INDICATOR_CASES)
def test_indicators_rule(tmp_path, collection, row, column, value, expected):
    run_case(tmp_path, collection, row, column, value, expected)


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        (7, "denominator", "412"),  # = numerator
        (7, "denominator", "412.0"),
        (7, "numerator", "0"),
        (7, "numerator", "411.5"),
        (2, "numerator", "0"),
        (2, "numerator", "12.5"),
        (7, "note", "Proportion, with a comma"),
    ],
)
def test_indicators_accept_edge_values(tmp_path, row, column, value):
    run_case(tmp_path, "indicators", row, column, value, [])


def test_indicator_kinds_in_valid_return(tmp_path):
    result = check(tmp_path, "indicators")
    assert_failures(result, [])
    counts = result.valid.filter(pl.col("indicator_code") != "PUBLIC_RATING_FAIR_OR_BETTER")
    assert counts["denominator"].null_count() == 5
    proportion = result.valid.filter(pl.col("indicator_code") == "PUBLIC_RATING_FAIR_OR_BETTER")
    assert proportion.select("numerator", "denominator").row(0) == (412.0, 500.0)
