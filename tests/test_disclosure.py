"""Disclosure control of the extracts (measures.md, "Disclosure control"): rules 1-5 on
hand-made cases with exact expected output, then over every measure and period of a load."""

from __future__ import annotations

import polars as pl
import pytest

from contracts import reference
from pipelines.extract.disclosure import (
    MART_COLUMNS,
    Thresholds,
    apply_disclosure,
    load_thresholds,
)
from pipelines.warehouse import connect

TRUSTS = ["BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT"]
SCHEMA = {
    "outcome": pl.Int32,
    "measure_code": pl.String,
    "oba_type": pl.String,
    "org": pl.String,
    "period": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "baseline_period": pl.String,
    "baseline_value": pl.Float64,
    "change_from_baseline": pl.Float64,
    "suppressed": pl.Boolean,
}
CATALOG = pl.DataFrame(
    {
        "measure_code": ["C", "S", "M", "W", "I"],
        "unit": ["count", "percent", "mean", "count", "sum"],
        "disclosure_control": ["true", "true", "true", "false", "false"],
    }
)
P1, P2 = "2025-26-Q1", "2025-26-Q2"


def counts(code: str, values: dict[str, float], period: str = P1) -> list[dict]:
    """Rows of a count (or sum) measure: numerator = value, no denominator, no baseline."""
    return [
        {"measure_code": code, "org": org, "period": period, "numerator": v, "value": v}
        for org, v in values.items()
    ]


def shares(code: str, pairs: dict[str, tuple[float, float]], period: str = P1) -> list[dict]:
    rows = []
    for org, (num, den) in pairs.items():
        value = round(100 * num / den, 1) if den else None
        rows.append(
            {
                "measure_code": code,
                "org": org,
                "period": period,
                "numerator": num,
                "denominator": den,
                "value": value,
            }
        )
    return rows


def frame(rows: list[dict]) -> pl.DataFrame:
    full = [
        {"outcome": 1, "oba_type": "how_much", "suppressed": False}
        | dict.fromkeys(("numerator", "denominator", "value", "baseline_value"))
        | row
        for row in rows
    ]
    return pl.DataFrame(full, schema=SCHEMA).select(MART_COLUMNS)


def hidden(out: pl.DataFrame, code: str, period: str = P1) -> list[str]:
    rows = out.filter((pl.col("measure_code") == code) & (pl.col("period") == period))
    return sorted(rows.filter(pl.col("suppressed"))["org"].to_list())


def by_org(out: pl.DataFrame, code: str, column: str, period: str = P1) -> dict:
    rows = out.filter((pl.col("measure_code") == code) & (pl.col("period") == period))
    return dict(zip(rows["org"], rows[column], strict=True))


# -- hand-made cases --------------------------------------------------------------------


def test_rule_1_and_3_a_small_count_and_the_smallest_other_nonzero_trust():
    values = {"BHSCT": 3, "NHSCT": 12, "SEHSCT": 0, "SHSCT": 20, "WHSCT": 7, "REGION": 42}
    out = apply_disclosure(frame(counts("C", values)), CATALOG)
    assert hidden(out, "C") == ["BHSCT", "WHSCT"]  # 3 primary, 7 secondary (0 is not chosen)
    assert by_org(out, "C", "value") == {
        "BHSCT": None,
        "NHSCT": 12,
        "SEHSCT": 0,  # rule 4: zero shown
        "SHSCT": 20,
        "WHSCT": None,
        "REGION": 42,
    }
    assert by_org(out, "C", "numerator") == by_org(out, "C", "value")
    assert set(by_org(out, "C", "denominator").values()) == {None}


def test_rule_3_ties_go_to_the_first_org_code():
    values = {"BHSCT": 9, "NHSCT": 6, "SEHSCT": 2, "SHSCT": 11, "WHSCT": 6, "REGION": 34}
    out = apply_disclosure(frame(counts("C", values)), CATALOG)
    assert hidden(out, "C") == ["NHSCT", "SEHSCT"]


def test_rule_3_not_needed_when_two_trusts_or_region_are_hidden():
    two = {"BHSCT": 1, "NHSCT": 4, "SEHSCT": 8, "SHSCT": 9, "WHSCT": 10, "REGION": 32}
    region_small = {"BHSCT": 2, "NHSCT": 0, "SEHSCT": 0, "SHSCT": 1, "WHSCT": 0, "REGION": 3}
    no_region = {"BHSCT": 2, "NHSCT": 5, "SEHSCT": 6}
    rows = counts("C", two) + counts("C", region_small, P2) + counts("C", no_region, "2025-26-Q3")
    out = apply_disclosure(frame(rows), CATALOG)
    assert hidden(out, "C") == ["BHSCT", "NHSCT"]
    assert hidden(out, "C", P2) == ["BHSCT", "REGION", "SHSCT"]
    assert hidden(out, "C", "2025-26-Q3") == ["BHSCT"]  # no REGION row to subtract from


def test_rule_3_when_every_other_trust_is_zero_region_is_hidden_instead():
    values = {"BHSCT": 0, "NHSCT": 0, "SEHSCT": 0, "SHSCT": 0, "WHSCT": 2, "REGION": 5}
    out = apply_disclosure(frame(counts("C", values)), CATALOG)
    assert hidden(out, "C") == ["REGION", "WHSCT"]
    assert by_org(out, "C", "value")["BHSCT"] == 0


def test_rules_1_2_3_on_shares():
    pairs = {
        "BHSCT": (2, 30),  # numerator 1-4: hidden
        "NHSCT": (20, 40),
        "SEHSCT": (0, 22),  # zero numerator: shown
        "SHSCT": (11, 15),  # the smallest other denominator: hidden by rule 3
        "WHSCT": (0, 0),  # nothing to divide by: shown, empty value
        "REGION": (33, 97),
    }
    thin = {"BHSCT": (8, 9), "NHSCT": (12, 16), "SEHSCT": (5, 10), "REGION": (25, 35)}
    out = apply_disclosure(frame(shares("S", pairs) + shares("S", thin, P2)), CATALOG)
    assert hidden(out, "S") == ["BHSCT", "SHSCT"]
    assert by_org(out, "S", "value") == {
        "BHSCT": None,
        "NHSCT": 50.0,
        "SEHSCT": 0.0,
        "SHSCT": None,
        "WHSCT": None,
        "REGION": 34.0,
    }
    assert by_org(out, "S", "denominator")["WHSCT"] == 0
    assert not by_org(out, "S", "suppressed")["WHSCT"]
    # rule 2: denominator 9 hidden; 10 shown; then the smallest other (16 vs 10 -> SEHSCT)
    assert hidden(out, "S", P2) == ["BHSCT", "SEHSCT"]


def test_secondary_suppression_of_shares_can_be_switched_to_counts_only():
    pairs = {"BHSCT": (2, 30), "NHSCT": (20, 40), "SHSCT": (11, 15), "REGION": (33, 85)}
    only_counts = Thresholds(secondary_units=("count",))
    out = apply_disclosure(frame(shares("S", pairs)), CATALOG, only_counts)
    assert hidden(out, "S") == ["BHSCT"]


def test_rules_on_means_look_at_the_denominator_not_the_sum():
    rows = [
        {"measure_code": "M", "org": "BHSCT", "period": P1, "numerator": 3.0, "denominator": 20},
        {"measure_code": "M", "org": "NHSCT", "period": P1, "numerator": 50.0, "denominator": 5},
        {"measure_code": "M", "org": "SHSCT", "period": P1, "numerator": 90.0, "denominator": 30},
        {"measure_code": "M", "org": "REGION", "period": P1, "numerator": 143.0, "denominator": 55},
    ]
    for row in rows:
        row["value"] = round(row["numerator"] / row["denominator"], 2)
    out = apply_disclosure(frame(rows), CATALOG)
    # NHSCT: 5 people (rule 2); then BHSCT, the smallest other denominator (rule 3)
    assert hidden(out, "M") == ["BHSCT", "NHSCT"]
    assert by_org(out, "M", "value")["SHSCT"] == 3.0


def test_workforce_and_indicator_measures_are_never_suppressed():
    values = {"BHSCT": 1, "NHSCT": 2, "SEHSCT": 0, "SHSCT": 3, "WHSCT": 30, "REGION": 36}
    rows = frame(counts("W", values) + counts("I", values))
    out = apply_disclosure(rows, CATALOG)
    assert not out["suppressed"].any()
    assert out.equals(rows)


def test_rule_5_a_hidden_baseline_is_hidden_in_every_row():
    def row(org, period, value, base_value, change):
        return {
            "measure_code": "C",
            "org": org,
            "period": period,
            "numerator": value,
            "value": value,
            "baseline_period": P1,
            "baseline_value": base_value,
            "change_from_baseline": change,
        }

    rows = [
        # BHSCT: baseline 3 (hidden) -> no baseline anywhere
        row("BHSCT", P1, 3, 3, 0),
        row("BHSCT", P2, 12, 3, 9),
        # NHSCT: baseline 20 shown; its P2 row (2) hidden -> baseline kept, no change there
        row("NHSCT", P1, 20, 20, 0),
        row("NHSCT", P2, 2, 20, -18),
        # SHSCT: hidden in both periods by rule 3, so its baseline (8) is hidden too
        row("SHSCT", P1, 8, 8, 0),
        row("SHSCT", P2, 5, 8, -3),
        row("REGION", P1, 31, 31, 0),
        row("REGION", P2, 19, 31, -12),
    ]
    out = apply_disclosure(frame(rows), CATALOG)
    assert hidden(out, "C", P1) == ["BHSCT", "SHSCT"]
    assert hidden(out, "C", P2) == ["NHSCT", "SHSCT"]
    for period in (P1, P2):
        assert by_org(out, "C", "baseline_value", period) == {
            "BHSCT": None,
            "NHSCT": 20,
            "SHSCT": None,
            "REGION": 31,
        }
    assert by_org(out, "C", "change_from_baseline", P2) == {
        "BHSCT": None,
        "NHSCT": None,
        "SHSCT": None,
        "REGION": -12,
    }
    assert by_org(out, "C", "change_from_baseline", P1)["NHSCT"] == 0
    assert by_org(out, "C", "value", P2) == {
        "BHSCT": 12,
        "NHSCT": None,
        "SHSCT": None,
        "REGION": 19,
    }
    assert by_org(out, "C", "baseline_period", P2)["BHSCT"] == P1  # the period itself is shown


def test_rule_5_when_the_baseline_row_is_not_given_the_baseline_stays_hidden():
    rows = counts("C", {"BHSCT": 12, "REGION": 40}, P2)
    for row in rows:
        row |= {"baseline_period": P1, "baseline_value": 2.0, "change_from_baseline": 10.0}
    out = apply_disclosure(frame(rows), CATALOG)
    assert set(out["baseline_value"].to_list()) == {None}
    assert set(out["change_from_baseline"].to_list()) == {None}


def test_thresholds_come_from_configuration():
    values = {"BHSCT": 3, "NHSCT": 6, "SEHSCT": 12, "SHSCT": 20, "WHSCT": 7, "REGION": 48}
    out = apply_disclosure(frame(counts("C", values)), CATALOG, Thresholds(count_max=2))
    assert hidden(out, "C") == []
    out = apply_disclosure(frame(counts("C", values)), CATALOG, Thresholds(count_max=6))
    assert hidden(out, "C") == ["BHSCT", "NHSCT"]
    assert load_thresholds() == Thresholds()  # pyproject's [tool.sws.disclosure]: the defaults
    assert load_thresholds({"count_max": 5, "min_denominator": 20}).count_max == 5
    with pytest.raises(ValueError, match="unknown setting"):
        load_thresholds({"count_maximum": 5})
    with pytest.raises(ValueError, match="count_min"):
        Thresholds(count_min=0)


def test_a_measure_outside_the_catalog_is_refused():
    with pytest.raises(ValueError, match="not in the catalog"):
        apply_disclosure(frame(counts("X", {"BHSCT": 3})), CATALOG)


# -- every measure and period of a real load ----------------------------------------------


@pytest.fixture(scope="module")
def loaded(regional):
    settings, _, _, _ = regional
    with connect(settings.warehouse, read_only=True) as con:
        marts = pl.concat([con.sql(f"from marts.outcome{n}").pl() for n in range(1, 5)])
        catalog = con.sql("from reference.measures where not breakdown_only").pl()
    out = apply_disclosure(marts, catalog)
    key = ["measure_code", "org", "period"]
    both = marts.join(out.drop("outcome", "oba_type"), on=key, suffix="_out")
    units = catalog.select("measure_code", "unit", "disclosure_control")
    return both.join(units, on="measure_code"), marts, out


def test_the_catalog_controls_exactly_the_measures_about_people():
    catalog = reference.seed("measures")
    for row in catalog.iter_rows(named=True):
        about_people = row["source_collection"] in ("star", "ascot", "dsf", "raw")
        assert (row["disclosure_control"] == "true") == about_people, row["measure_code"]


def test_generated_data_has_small_numbers_to_hide(loaded):
    both, _, out = loaded
    assert out["suppressed"].sum() > 20
    assert both.filter(pl.col("disclosure_control") & (pl.col("value") == 0)).height > 0


def test_no_visible_small_count_or_thin_denominator(loaded):
    _, _, out = loaded
    shown = out.join(
        reference.seed("measures").select(
            "measure_code", "unit", controlled=pl.col("disclosure_control") == "true"
        ),
        on="measure_code",
    ).filter(pl.col("controlled") & ~pl.col("suppressed"))
    small = shown.filter(
        ((pl.col("unit") == "count") & pl.col("value").is_between(1, 4))
        | ((pl.col("unit") == "percent") & pl.col("numerator").is_between(1, 4))
        | (pl.col("unit").is_in(["percent", "mean"]) & pl.col("denominator").is_between(1, 9))
    )
    assert small.is_empty(), small.head(5)
    assert shown.height > 100


def test_suppressed_rows_are_empty_and_shown_rows_are_true(loaded):
    both, _, _ = loaded
    hidden_rows = both.filter(pl.col("suppressed_out"))
    for column in ("value", "numerator", "denominator", "change_from_baseline"):
        assert hidden_rows[f"{column}_out"].null_count() == hidden_rows.height
    shown = both.filter(~pl.col("suppressed_out"))
    for column in ("value", "numerator", "denominator"):
        assert shown[column].equals(shown[f"{column}_out"], null_equal=True), column


def test_nothing_recoverable_by_subtraction(loaded):
    _, _, out = loaded
    catalog = reference.seed("measures").filter(pl.col("disclosure_control") == "true")
    controlled = set(catalog["measure_code"])
    groups = (
        out.filter(pl.col("measure_code").is_in(controlled))
        .group_by("measure_code", "period")
        .agg(
            hidden_trusts=((pl.col("org") != "REGION") & pl.col("suppressed")).sum(),
            region_shown=((pl.col("org") == "REGION") & ~pl.col("suppressed")).any(),
        )
    )
    lone = groups.filter(pl.col("region_shown") & (pl.col("hidden_trusts") == 1))
    assert lone.is_empty(), lone
    counts = set(catalog.filter(pl.col("unit") == "count")["measure_code"])
    assert groups.filter(pl.col("measure_code").is_in(counts)).height > 0


def test_zeros_are_shown(loaded):
    both, _, _ = loaded
    controlled = both.filter(pl.col("disclosure_control"))
    zeros = controlled.filter((pl.col("unit") == "count") & (pl.col("value") == 0))
    assert zeros.height > 0
    assert not zeros["suppressed_out"].any()
    assert (zeros["value_out"] == 0).all()
    empty = controlled.filter(pl.col("denominator") == 0)  # nothing to divide by
    assert empty.height > 0
    assert not empty["suppressed_out"].any()
    assert (empty["denominator_out"] == 0).all()


def test_rule_5_over_the_load(loaded):
    _, _, out = loaded
    hidden_baselines = out.filter(
        (pl.col("period") == pl.col("baseline_period")) & pl.col("suppressed")
    ).select("measure_code", "org")
    affected = out.join(hidden_baselines, on=["measure_code", "org"])
    assert affected.height > 0
    assert affected["baseline_value"].null_count() == affected.height
    assert affected["change_from_baseline"].null_count() == affected.height
    kept = out.join(hidden_baselines, on=["measure_code", "org"], how="anti").filter(
        ~pl.col("suppressed") & pl.col("baseline_value").is_not_null()
    )
    assert kept.height > 0


def test_uncontrolled_measures_pass_through_untouched(loaded):
    both, marts, out = loaded
    free = both.filter(~pl.col("disclosure_control"))
    assert free.height > 0
    assert not free["suppressed_out"].any()
    for column in ("value", "numerator", "denominator", "baseline_value", "change_from_baseline"):
        assert free[column].equals(free[f"{column}_out"], null_equal=True), column
    assert out.columns == marts.columns and out.schema == marts.schema
