"""The outcome marts against an independent Python computation of measures.md."""

from __future__ import annotations

import math

import polars as pl
import pytest

from contracts import reference
from pipelines.warehouse import connect
from tests.reference_breakdowns import BREAKDOWN_COLUMNS, compute_breakdowns
from tests.reference_measures import MART_COLUMNS, compute

KEY = ("measure_code", "org", "period")
BREAKDOWN_KEY = ("measure_code", "dimension", "category", "period")


def _marts(settings) -> dict[tuple, dict]:
    with connect(settings.warehouse, read_only=True) as con:
        rows = []
        for outcome in range(1, 5):
            frame = con.sql(f"from marts.outcome{outcome}").pl()
            assert frame.columns == MART_COLUMNS
            rows += frame.to_dicts()
        expected = compute(con)
    return {tuple(r[k] for k in KEY): r for r in rows}, {
        tuple(r[k] for k in KEY): r for r in expected
    }


def _same(actual, expected) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    return actual == expected


def test_every_mart_figure_matches_the_independent_computation(regional):
    settings, _, _, _ = regional
    actual, expected = _marts(settings)
    assert set(actual) == set(expected), {
        "only in marts": sorted(set(actual) - set(expected))[:10],
        "only in reference": sorted(set(expected) - set(actual))[:10],
    }
    wrong = [
        (key, column, actual[key][column], expected[key][column])
        for key in sorted(expected)
        for column in MART_COLUMNS
        if not _same(actual[key][column], expected[key][column])
    ]
    assert not wrong, f"{len(wrong)} differences, e.g. {wrong[:10]}"


def test_the_catalog_and_the_marts_hold_the_same_measures(regional):
    settings, _, _, _ = regional
    actual, _ = _marts(settings)
    catalog = reference.seed("measures")
    outcome_measures = catalog.filter(pl.col("breakdown_only") == "false")
    assert {key[0] for key in actual} == set(outcome_measures["measure_code"])
    by_code = {row["measure_code"]: row for row in catalog.to_dicts()}
    for row in actual.values():
        assert int(by_code[row["measure_code"]]["outcome"]) == row["outcome"]
        assert by_code[row["measure_code"]]["oba_type"] == row["oba_type"]


def test_region_is_pooled_not_an_average_of_trusts(regional):
    settings, _, _, _ = regional
    actual, _ = _marts(settings)
    period = max(key[2] for key in actual)
    trusts = reference.orgs(trusts_only=True)
    people = [actual[("O1_STAR_PEOPLE", org, period)]["value"] for org in trusts]
    region = actual[("O1_STAR_PEOPLE", "REGION", period)]["value"]
    assert region <= sum(people)  # a person in two Trusts counts once
    due = [actual[("O3_DSF_DUE", org, period)]["value"] for org in trusts]
    assert actual[("O3_DSF_DUE", "REGION", period)]["value"] == sum(due)


@pytest.mark.parametrize("outcome", [1, 2, 3, 4])
def test_marts_hold_true_values_never_suppressed(regional, outcome):
    settings, _, _, _ = regional
    with connect(settings.warehouse, read_only=True) as con:
        [(suppressed,)] = con.execute(
            f"select count_if(suppressed) from marts.outcome{outcome}"
        ).fetchall()
    assert suppressed == 0


# -- the breakdowns --------------------------------------------------------------------------


def _breakdowns(settings) -> tuple[dict, dict]:
    with connect(settings.warehouse, read_only=True) as con:
        frame = con.sql("from marts.breakdowns").pl()
        assert frame.columns == BREAKDOWN_COLUMNS
        expected = compute_breakdowns(con)
    key = BREAKDOWN_KEY
    return (
        {tuple(r[k] for k in key): r for r in frame.to_dicts()},
        {tuple(r[k] for k in key): r for r in expected},
    )


def test_every_breakdown_figure_matches_the_independent_computation(regional):
    settings, _, _, _ = regional
    actual, expected = _breakdowns(settings)
    assert set(actual) == set(expected), {
        "only in marts": sorted(set(actual) - set(expected))[:10],
        "only in reference": sorted(set(expected) - set(actual))[:10],
    }
    wrong = [
        (key, column, actual[key][column], expected[key][column])
        for key in sorted(expected)
        for column in BREAKDOWN_COLUMNS
        if not _same(actual[key][column], expected[key][column])
    ]
    assert not wrong, f"{len(wrong)} differences, e.g. {wrong[:10]}"
    # the generated data exercises every dimension and the rates
    assert {key[1] for key in actual} == {"lgd", "programme_of_care", "sex", "age_band"}
    assert any(r["value"] for k, r in actual.items() if k[0] == "O3_DSF_DUE_PER_10K")


def test_the_categories_of_a_dimension_add_up_to_region(regional):
    settings, _, _, _ = regional
    breakdowns, _ = _breakdowns(settings)
    marts, _ = _marts(settings)
    totals: dict[tuple, list] = {}
    for (code, dimension, _, period), row in breakdowns.items():
        if code.endswith("_PER_10K"):
            continue
        total = totals.setdefault((code, dimension, period), [0, 0])
        total[0] += row["numerator"]
        total[1] += row["denominator"] or 0
    assert {key[0] for key in totals} == {
        "O1_ASCOT_PEOPLE",
        "O1_ASCOT_SCRQOL_MEAN",
        "O1_STAR_PEOPLE",
        "O1_STAR_IMPROVED_PCT",
        "O1_STAR_DISTANCE_MEAN",
        "O1_RAW_YP_MEAN",
        "O3_DSF_DUE",
        "O3_DSF_ON_TIME_PCT",
        "O4_SATISFIED_PCT",
    }
    for (code, dimension, period), (numerator, denominator) in totals.items():
        region = marts[(code, "REGION", period)]
        assert math.isclose(numerator, region["numerator"], abs_tol=1e-9), (code, dimension)
        assert math.isclose(denominator, region["denominator"] or 0, abs_tol=1e-9), code
    # RAW has no programme of care; every other breakdown is by all four dimensions
    dimensions = {(code, dimension) for code, dimension, _ in totals}
    assert ("O1_RAW_YP_MEAN", "programme_of_care") not in dimensions
    assert len(dimensions) == 9 * 4 - 1


def test_two_decimal_wte_sums_are_not_rounded(regional):
    """Issue #11.6: the agency share's denominator is the total WTE beside it, unrounded (the
    sample's part-time WTEs include 0.53 and 0.64, so totals need two places)."""
    settings, _, _, _ = regional
    marts, expected = _marts(settings)
    wte = {k: r for k, r in marts.items() if k[0] == "O2_WTE"}
    two_places = [r["value"] for r in wte.values() if round(r["value"], 1) != r["value"]]
    assert two_places, "no WTE total with two decimal places in the sample"
    for (_, org, period), row in wte.items():
        agency = marts[("O2_AGENCY_WTE_PCT", org, period)]
        assert agency["denominator"] == row["value"]
        assert agency["denominator"] == expected[("O2_AGENCY_WTE_PCT", org, period)]["denominator"]
