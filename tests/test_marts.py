"""The outcome marts against an independent Python computation of measures.md."""

from __future__ import annotations

import math

import polars as pl
import pytest

from contracts import reference
from pipelines.warehouse import connect
from tests.reference_measures import MART_COLUMNS, compute

KEY = ("measure_code", "org", "period")


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
    # the outcome measures (those of the returns themselves: tests/test_quality.py)
    catalog = reference.seed("measures").filter(pl.col("outcome").is_not_null())
    assert {key[0] for key in actual} == set(catalog["measure_code"])
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
