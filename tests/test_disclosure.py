"""Disclosure control of the extracts (measures.md, "Disclosure control"): rules 1-6 on
hand-made cases with exact expected output, rule 6 on generated tables (checked by the audit),
then over every measure and period of a load."""

from __future__ import annotations

import random

import polars as pl
import pytest

from contracts import reference
from pipelines.extract.audit import audit_disclosure
from pipelines.extract.disclosure import (
    MART_COLUMNS,
    Thresholds,
    apply_disclosure,
    disclose,
    load_thresholds,
)
from pipelines.extract.relations import load_relations
from pipelines.warehouse import connect
from tests import linked_tables as linked
from tests.linked_tables import EMPTY_RELATIONS

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


# -- rule 6: linked figures (DSF-shaped tables, the seed's relations) ----------------------

LINKED = linked.relations()  # the seed's DSF relations, for functions A, B, C
THIN = {  # BHSCT's A (3) is rule 1's; its total minus B and C gave it away before rule 6
    "BHSCT": {"A": (3, 3), "B": (10, 9), "C": (20, 18)},
    "NHSCT": {"A": (8, 7), "B": (12, 11), "C": (25, 20)},
    "SEHSCT": {"A": (15, 14), "B": (9, 8), "C": (30, 27)},
}


def with_a(a: tuple[int, int], b: tuple[int, int] = (10, 9)) -> dict:
    return THIN | {"BHSCT": {"A": a, "B": b, "C": (20, 18)}}


def linked_out(
    trusts: dict,
    *,
    shares: bool = True,
    thresholds: Thresholds | None = None,
    relations: pl.DataFrame = LINKED,
) -> pl.DataFrame:
    true = linked.frame(linked.dsf_rows(trusts, shares=shares))
    return apply_disclosure(true, linked.CATALOG, thresholds, relations=relations)


def test_rule_6_a_function_is_not_its_total_minus_the_other_functions():
    # rule 3 alone hid NHSCT's A beside BHSCT's: BHSCT's A was still 33 - 10 - 20
    alone = linked_out(THIN, shares=False, relations=EMPTY_RELATIONS)
    assert linked.hidden(alone) == {"due A BHSCT", "due A NHSCT"}
    # rule 6: BHSCT's smallest other function (B 10), then NHSCT's (B 12) for its A: a
    # rectangle, where no relation has a single unknown
    out = linked_out(THIN, shares=False)
    assert linked.hidden(out) == {"due A BHSCT", "due A NHSCT", "due B BHSCT", "due B NHSCT"}
    rows = out.filter(pl.col("suppressed"))
    assert rows["value"].null_count() == rows["numerator"].null_count() == rows.height


def test_rule_6_closes_chains_across_trusts_and_functions():
    # BHSCT's A (3) and B (2) are both small: no single relation gives either away, but rule 3
    # alone left NHSCT's A = its total minus B and C, then BHSCT's A = REGION - the others...
    trusts = THIN | {"BHSCT": {"A": (3, 3), "B": (2, 2), "C": (20, 18)}}
    alone = linked_out(trusts, shares=False, relations=EMPTY_RELATIONS)
    assert linked.hidden(alone) == {"due A BHSCT", "due A NHSCT", "due B BHSCT", "due B SEHSCT"}
    out = linked_out(trusts, shares=False)
    assert linked.hidden(out) == {
        f"due {f} {org}" for f in "AB" for org in ("BHSCT", "NHSCT", "SEHSCT")
    }


def test_rule_6_a_count_published_twice_is_hidden_in_both_places_where_that_protects():
    # BHSCT's A: 3 due (rule 1). The due counts chosen to protect it (SEHSCT's A, then B of
    # BHSCT and SEHSCT) are also their shares' denominators: hidden there too
    out = linked_out(
        with_a((3, 2), b=(20, 15))
        | {
            "SEHSCT": {"A": (15, 14), "B": (19, 16), "C": (30, 27)},
            "NHSCT": {"A": (18, 9), "B": (22, 19), "C": (25, 20)},
        }
    )
    both = {
        f"{kind} {f} {org}"
        for kind in ("due", "share")
        for f in "AB"
        for org in ("BHSCT", "SEHSCT")
    }
    assert linked.hidden(out) == both


def test_rule_6_a_count_published_twice_stays_shown_where_hiding_it_protects_nothing():
    # BHSCT's A: 2 of 30 on time (rule 1 hides the share). The on-time counts protect it;
    # the due counts (30, and the partners') are not protected and hiding them protects
    # nothing: the count rows stay shown though the shares' denominators are hidden
    trusts = {
        "BHSCT": {"A": (30, 2), "B": (20, 15), "C": (25, 20)},
        "NHSCT": {"A": (18, 9), "B": (22, 19), "C": (25, 20)},
        "SEHSCT": {"A": (15, 14), "B": (19, 16), "C": (30, 27)},
    }
    out = linked_out(trusts)
    assert linked.hidden(out) == {
        "share A BHSCT",
        "share A NHSCT",
        "share B BHSCT",
        "share B NHSCT",
    }
    counts = out.filter(pl.col("measure_code") == linked.due("A"))
    assert dict(zip(counts["org"], counts["value"], strict=True)) == {
        "BHSCT": 30,
        "NHSCT": 18,
        "SEHSCT": 15,
        "REGION": 63,
    }


def test_rule_6_knows_an_on_time_count_is_at_most_its_due_count():
    # BHSCT's and NHSCT's A are thin (6 and 7 due, rule 2) and all on time, as are their B.
    # Single-unknown chains are closed by hiding A and B shares of both Trusts, but then their
    # on-time counts must equal the due counts shown (on time <= due, and the sums): 100 %.
    # The attacker problem finds it; partners off their bounds (C, SEHSCT) are hidden too.
    trusts = {
        "BHSCT": {"A": (6, 6), "B": (12, 12), "C": (30, 25)},
        "NHSCT": {"A": (7, 7), "B": (13, 13), "C": (25, 20)},
        "SEHSCT": {"A": (15, 12), "B": (19, 16), "C": (30, 27)},
    }
    out = linked_out(trusts)
    assert linked.hidden(out) == {
        f"share {f} {org}" for f in "ABC" for org in ("BHSCT", "NHSCT", "SEHSCT")
    }
    true = linked.frame(linked.dsf_rows(trusts))
    assert audit_disclosure(out, true, linked.CATALOG, Thresholds(), relations=LINKED).passed


def test_rule_6_at_count_max_and_count_max_plus_one():
    rectangle = {"due A BHSCT", "due A NHSCT", "due B BHSCT", "due B NHSCT"}
    assert linked.hidden(linked_out(with_a((4, 4)), shares=False)) == rectangle
    assert linked.hidden(linked_out(with_a((5, 5)), shares=False)) == set()
    wider = Thresholds(count_max=6)
    assert linked.hidden(linked_out(with_a((6, 6)), shares=False, thresholds=wider)) == rectangle
    assert linked.hidden(linked_out(with_a((7, 7)), shares=False, thresholds=wider)) == set()


def test_rule_6_protects_a_thin_share_under_a_configured_min_denominator():
    trusts = {
        "BHSCT": {"A": (19, 15), "B": (30, 25), "C": (40, 36)},
        "NHSCT": {"A": (25, 20), "B": (35, 30), "C": (45, 40)},
        "SEHSCT": {"A": (28, 25), "B": (33, 30), "C": (50, 45)},
    }
    assert linked.hidden(linked_out(trusts)) == set()
    twenty = Thresholds(min_denominator=20)
    # 19 due is thin: the share's on-time count must not be pinned (its due count is shown)
    out = linked_out(trusts, thresholds=twenty)
    assert linked.hidden(out) == {
        "share A BHSCT",
        "share A NHSCT",
        "share B BHSCT",
        "share B NHSCT",
    }
    # secondary suppression of counts only (configuration): the share is left to rule 2
    counts_only = Thresholds(min_denominator=20, secondary_units=("count",))
    assert linked.hidden(linked_out(trusts, thresholds=counts_only)) == {"share A BHSCT"}


@pytest.mark.parametrize("seed", range(10))
def test_rule_6_leaves_no_protected_figure_pinned_on_generated_tables(seed):
    rng = random.Random(seed)
    rows = linked.dsf_rows(linked.random_trusts(rng, 3), linked.P1)
    rows += linked.dsf_rows(linked.random_trusts(rng, 5), linked.P2)
    true = linked.frame(rows)
    out = apply_disclosure(true, linked.CATALOG, relations=LINKED)
    result = audit_disclosure(out, true, linked.CATALOG, Thresholds(), relations=LINKED)
    assert result.protected > 0
    assert result.passed, result.summary()
    assert not out.filter(pl.col("suppressed") & (pl.col("value") == 0)).height


# -- breakdowns: categories add up to REGION ----------------------------------------------

CATEGORIES = pl.DataFrame(
    {
        "relation": ["dsf_due_by_category"],
        "kind": ["over_categories"],
        "role": [""],
        "measure_code": ["O3_DSF_DUE"],
        "figure": ["value"],
        "dimension": [""],
    }
)


def breakdown_frame(values: dict[str, dict[str, int]]) -> pl.DataFrame:
    rows = [
        {"measure_code": "O3_DSF_DUE", "org": "REGION", "period": linked.P1}
        | {"numerator": v, "value": v, "dimension": dimension, "category": category}
        for dimension, categories in values.items()
        for category, v in categories.items()
    ]
    schema = linked.SCHEMA | {"dimension": pl.String, "category": pl.String}
    full = [{"outcome": 3, "oba_type": "how_much", "suppressed": False} | r for r in rows]
    return pl.DataFrame(full, schema=schema).select(*MART_COLUMNS, "dimension", "category")


def test_breakdowns_are_protected_across_the_categories_of_each_dimension():
    pack = linked.frame(
        [{"measure_code": "O3_DSF_DUE", "org": "REGION", "period": linked.P1, "value": 37}]
    )
    breakdowns = breakdown_frame(
        {"sex": {"F": 20, "M": 14, "X": 3, "U": 0}, "age_band": {"0-17": 30, "18-64": 7}}
    )
    out = disclose(pack, linked.CATALOG, breakdowns=breakdowns, relations=CATEGORIES)
    hidden_cells = out.breakdowns.filter(pl.col("suppressed"))
    # X (3) by rule 1; M (14), the smallest other non-zero category, so that X is not
    # REGION minus the others; U (0) is shown; the other dimension is untouched
    assert sorted(hidden_cells["category"]) == ["M", "X"]
    assert not out.pack["suppressed"].any()
    assert out.breakdowns.columns == breakdowns.columns
    assert out.breakdowns.schema == breakdowns.schema
    assert out.breakdowns.filter(pl.col("category") == "U")["value"].to_list() == [0]


def test_a_breakdown_measure_no_relation_links_is_refused():
    pack = linked.frame(
        [{"measure_code": "O3_DSF_DUE", "org": "REGION", "period": linked.P1, "value": 37}]
    )
    breakdowns = breakdown_frame({"sex": {"F": 34, "M": 3}})
    with pytest.raises(ValueError, match=r"no over_categories relation .* O3_DSF_DUE"):
        disclose(pack, linked.CATALOG, breakdowns=breakdowns, relations=LINKED)


# -- the relation seed ----------------------------------------------------------------------


def test_the_relation_seed_links_every_dsf_function_to_its_total():
    seed = load_relations()
    catalog = reference.seed("measures").filter(pl.col("breakdown_only") == "false")
    units = dict(zip(catalog["measure_code"], catalog["unit"], strict=True))
    assert set(seed["measure_code"]) <= set(units)
    functions = reference.column("dsf_functions", "function_code")
    parts = seed.filter((pl.col("kind") == "sum") & (pl.col("role") == "part"))
    for total, figure in (
        ("O3_DSF_DUE", "value"),
        ("O3_DSF_ON_TIME_PCT", "numerator"),
        ("O3_DSF_ON_TIME_PCT", "denominator"),
    ):
        names = seed.filter((pl.col("measure_code") == total) & (pl.col("figure") == figure))
        relation = set(names["relation"]) & set(parts["relation"])
        assert len(relation) == 1, (total, figure)
        members = parts.filter(pl.col("relation").is_in(relation))
        assert sorted(members["measure_code"]) == sorted(f"{total}_{f}" for f in functions)
    # people counts are not additive: REGION counts a person once
    people = catalog.filter(pl.col("source_collection").is_in(["star", "ascot"]))
    assert not set(people["measure_code"]) & set(
        seed.filter(pl.col("kind") == "over_orgs")["measure_code"]
    )
    # every figure named exists in its measure's rows
    counts = {
        "count": {"value"},
        "percent": {"numerator", "denominator"},
        "mean": {"numerator", "denominator"},
    }
    for row in seed.iter_rows(named=True):
        assert row["figure"] in counts[units[row["measure_code"]]], row


def test_bad_relation_rows_are_refused():
    good = LINKED.head(1)
    with pytest.raises(ValueError, match="kind must be one of"):
        load_relations(good.with_columns(kind=pl.lit("plus")))
    with pytest.raises(ValueError, match="figure must be"):
        load_relations(good.with_columns(figure=pl.lit("rate")))
    total_only = LINKED.filter((pl.col("kind") == "sum") & (pl.col("role") == "total"))
    with pytest.raises(ValueError, match="one total member and at least one part"):
        load_relations(total_only)
    with pytest.raises(ValueError, match="missing column"):
        load_relations(good.drop("role"))


def test_a_relation_that_does_not_hold_stops_disclosure_control():
    rows = linked.dsf_rows(THIN, shares=False)
    for row in rows:  # REGION's A no longer the sum of the Trusts'
        if row["org"] == "REGION" and row["measure_code"] == linked.due("A"):
            row["value"] = row["numerator"] = 27
    with pytest.raises(ValueError, match="dsf_due_cp_icpc_by_org' does not hold at O3_DSF"):
        apply_disclosure(linked.frame(rows), linked.CATALOG, relations=LINKED)


def test_the_rules_in_words_name_rules_6_and_7_and_the_c_shorthand():
    rules = Thresholds(count_max=6).rules()
    assert rules[1].startswith("1. A count of people or events from 1 to 6")
    assert any(r.startswith("6. Linked figures") for r in rules)
    assert any(r.startswith("7. Audit") for r in rules)
    assert rules[-1].startswith("[c] marks a suppressed figure")
    assert not any(" * " in r for r in rules)


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
    catalog = reference.seed("measures").filter(pl.col("breakdown_only") == "false")
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
        reference.seed("measures")
        .filter(pl.col("breakdown_only") == "false")
        .select("measure_code", "unit", controlled=pl.col("disclosure_control") == "true"),
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
