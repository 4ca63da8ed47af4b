"""The disclosure audit (measures.md, rule 7): it names exactly the protected figures that the
published figures pin, on hand-made packs (rule 3 alone, chains, bounds, baselines, breakdowns),
on generated tables and on a real load; and it shares no code with the suppression."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import polars as pl
import pytest

from pipelines.extract import audit as audit_module
from pipelines.extract.audit import AuditError, AuditResult, PinnedFigure, audit_disclosure
from pipelines.extract.disclosure import MART_COLUMNS, Thresholds, apply_disclosure
from pipelines.warehouse import connect
from tests import linked_tables as linked
from tests.linked_tables import CATALOG, EMPTY_RELATIONS, P1, P2

LINKED = linked.relations()
THIN = {
    "BHSCT": {"A": (3, 3), "B": (10, 9), "C": (20, 18)},
    "NHSCT": {"A": (8, 7), "B": (12, 11), "C": (25, 20)},
    "SEHSCT": {"A": (15, 14), "B": (9, 8), "C": (30, 27)},
}
CHAIN = THIN | {"BHSCT": {"A": (3, 3), "B": (2, 2), "C": (20, 18)}}


def audit(published, true, thresholds=None, relations=LINKED, **breakdowns) -> AuditResult:
    return audit_disclosure(
        published, true, CATALOG, thresholds or Thresholds(), relations=relations, **breakdowns
    )


def names(result: AuditResult) -> list[str]:
    return [str(p) for p in result.pinned]


def publish(true: pl.DataFrame, hide: set[str], period: str = P1) -> pl.DataFrame:
    """``true`` with the rows named as ``linked.hidden`` names them suppressed by hand."""
    name = pl.concat_str(
        pl.col("measure_code").replace_strict(
            {c: linked.label(c) for c in true["measure_code"].unique()}
        ),
        pl.col("org"),
        separator=" ",
    )
    hit = name.is_in(sorted(hide)) & (pl.col("period") == period)
    return true.with_columns(
        *(
            pl.when(hit).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("numerator", "denominator", "value")
        ),
        suppressed=hit,
    )


# -- hand-made packs ----------------------------------------------------------------------


def test_the_audit_names_what_rule_3_alone_leaves_pinned():
    true = linked.frame(linked.dsf_rows(THIN, shares=False))
    alone = apply_disclosure(true, CATALOG, relations=EMPTY_RELATIONS)
    result = audit(alone, true)
    assert not result.passed
    assert names(result) == ["O3_DSF_DUE_CP_ICPC BHSCT 2025-26-Q1 value"]  # 33 - 10 - 20
    pinned = result.pinned[0]
    assert (pinned.low, pinned.high) == pytest.approx((3, 3))
    assert (pinned.dimension, pinned.category) == (None, None)
    assert (result.hidden, result.protected, result.relations) == (2, 1, 8)


def test_the_audit_follows_chains_across_both_dimensions():
    # no single relation has one unknown: NHSCT's A comes from its functions, then BHSCT's A
    # from REGION's, then BHSCT's B from its total; SEHSCT's B from its functions
    true = linked.frame(linked.dsf_rows(CHAIN, shares=False))
    alone = apply_disclosure(true, CATALOG, relations=EMPTY_RELATIONS)
    assert names(audit(alone, true)) == [
        "O3_DSF_DUE_CP_ICPC BHSCT 2025-26-Q1 value",
        "O3_DSF_DUE_CP_REVIEW BHSCT 2025-26-Q1 value",
    ]


def test_the_audit_passes_what_rule_6_publishes():
    for trusts, hidden, protected in ((THIN, 4, 1), (CHAIN, 6, 2)):
        true = linked.frame(linked.dsf_rows(trusts, shares=False))
        result = audit(apply_disclosure(true, CATALOG, relations=LINKED), true)
        assert result.passed and result.pinned == ()
        assert result.summary() == (
            f"disclosure audit passed: {hidden} hidden figures ({protected} protected), none "
            "pinned by the 8 published relations (linear programming, HiGHS)"
        )


def test_the_audit_pins_a_thin_share_that_on_time_at_most_due_forces_to_100_percent():
    trusts = {
        "BHSCT": {"A": (6, 6), "B": (12, 12), "C": (30, 25)},
        "NHSCT": {"A": (7, 7), "B": (13, 13), "C": (25, 20)},
        "SEHSCT": {"A": (15, 12), "B": (19, 16), "C": (30, 27)},
    }
    true = linked.frame(linked.dsf_rows(trusts))
    # every relation has two unknowns or more, but on time <= due (shown) and the sums force
    # each hidden on-time count to its due count
    hide = {f"share {f} {org}" for f in "AB" for org in ("BHSCT", "NHSCT")}
    result = audit(publish(true, hide), true)
    assert names(result) == [
        "O3_DSF_ON_TIME_PCT_CP_ICPC BHSCT 2025-26-Q1 value",
        "O3_DSF_ON_TIME_PCT_CP_ICPC NHSCT 2025-26-Q1 value",
    ]
    assert all((p.low, p.high) == pytest.approx((100, 100)) for p in result.pinned)
    # one more hidden share off its bound in each relation, and the values are free again
    hide |= {f"share {f} {org}" for f in "ABC" for org in ("BHSCT", "NHSCT", "SEHSCT")}
    assert audit(publish(true, hide), true).passed


def test_a_protected_figure_published_is_pinned_and_the_thresholds_decide_what_is_protected():
    true = linked.frame(linked.dsf_rows(THIN, shares=False))
    result = audit(true, true)  # nothing hidden
    assert names(result) == ["O3_DSF_DUE_CP_ICPC BHSCT 2025-26-Q1 value"]
    assert (result.hidden, result.protected) == (0, 0)
    assert audit(true, true, Thresholds(count_max=2)).passed
    assert len(audit(true, true, Thresholds(count_max=8)).pinned) == 2  # 3 and 8


def test_a_baseline_or_change_that_gives_a_hidden_value_away_is_pinned():
    rows = linked.dsf_rows(THIN, P1, shares=False) + linked.dsf_rows(THIN, P2, shares=False)
    true = linked.frame(rows).with_columns(
        baseline_period=pl.lit(P1), baseline_value=pl.lit(None), change_from_baseline=pl.lit(None)
    )
    out = apply_disclosure(true, CATALOG, relations=LINKED)
    assert audit(out, true).passed
    bh_a = (pl.col("org") == "BHSCT") & (pl.col("measure_code") == linked.due("A"))
    leaked = out.with_columns(
        baseline_value=pl.when(bh_a & (pl.col("period") == P2)).then(3.0).otherwise(None)
    )
    assert names(audit(leaked, true)) == ["O3_DSF_DUE_CP_ICPC BHSCT 2025-26-Q1 value"]
    changed = out.with_columns(
        baseline_value=pl.when(bh_a).then(1.0).otherwise(None),
        change_from_baseline=pl.when(bh_a & (pl.col("period") == P1)).then(2.0).otherwise(None),
    )
    pinned = audit(changed, true).pinned
    assert [str(p) for p in pinned] == ["O3_DSF_DUE_CP_ICPC BHSCT 2025-26-Q1 value"]
    assert (pinned[0].low, pinned[0].high) == (3.0, 3.0)


def test_published_figures_that_break_a_relation_are_refused():
    true = linked.frame(linked.dsf_rows(THIN, shares=False))
    out = apply_disclosure(true, CATALOG, relations=LINKED)
    region_b = (pl.col("org") == "REGION") & (pl.col("measure_code") == linked.due("B"))
    broken = out.with_columns(value=pl.when(region_b).then(40.0).otherwise(pl.col("value")))
    with pytest.raises(AuditError, match="break a relation"):
        audit(broken, true)


def test_a_pinned_breakdown_cell_is_named_by_its_dimension_and_category():
    relations = pl.DataFrame(
        {
            "relation": ["dsf_due_by_category"],
            "kind": ["over_categories"],
            "role": [""],
            "measure_code": ["O3_DSF_DUE"],
            "figure": ["value"],
            "dimension": [""],
        }
    )
    pack = linked.frame(
        [{"measure_code": "O3_DSF_DUE", "org": "REGION", "period": P1, "value": 37}]
    )
    cells = {"F": 20, "M": 14, "X": 3}
    true = pl.concat(
        [
            pack.with_columns(
                dimension=pl.lit("sex"),
                category=pl.lit(c),
                value=pl.lit(float(v)),
                numerator=pl.lit(float(v)),
            )
            for c, v in cells.items()
        ]
    )
    hide_x = pl.col("category") == "X"
    published = true.with_columns(
        value=pl.when(hide_x).then(None).otherwise(pl.col("value")),
        numerator=pl.when(hide_x).then(None).otherwise(pl.col("numerator")),
        suppressed=hide_x,
    )
    kw = {"breakdowns_published": published, "breakdowns_true": true}
    result = audit(pack, pack, relations=relations, **kw)
    assert names(result) == ["O3_DSF_DUE REGION sex=X 2025-26-Q1 value"]
    assert (result.pinned[0].dimension, result.pinned[0].category) == ("sex", "X")
    hide_xm = pl.col("category").is_in(["X", "M"])
    both = true.with_columns(
        value=pl.when(hide_xm).then(None).otherwise(pl.col("value")),
        numerator=pl.when(hide_xm).then(None).otherwise(pl.col("numerator")),
        suppressed=hide_xm,
    )
    kw["breakdowns_published"] = both
    assert audit(pack, pack, relations=relations, **kw).passed


def test_what_the_audit_prints_holds_no_protected_value():
    figure = PinnedFigure("O3_DSF_DUE_CP_ICPC", "BHSCT", P1, "value", low=3.0, high=3.0)
    assert str(figure) == "O3_DSF_DUE_CP_ICPC BHSCT 2025-26-Q1 value"
    failed = AuditResult(False, 2, 1, (figure,), audit_module.METHOD, relations=8)
    assert failed.summary() == (
        "disclosure audit failed: 1 protected figure(s) pinned by the 8 published relations "
        "(linear programming, HiGHS): O3_DSF_DUE_CP_ICPC BHSCT 2025-26-Q1 value"
    )
    assert "3.0" not in failed.summary()
    assert "linear programming" in failed.method and failed.method.count(". ") == 0


def test_the_audit_shares_no_code_with_the_suppression():
    tree = ast.parse(Path(audit_module.__file__).read_text())
    runtime = []
    for node in tree.body:  # module level, TYPE_CHECKING blocks left out
        if isinstance(node, ast.ImportFrom):
            runtime.append(node.module)
        elif isinstance(node, ast.Import):
            runtime += [alias.name for alias in node.names]
    assert not [m for m in runtime if m.startswith("pipelines")], runtime
    assert "scipy.optimize" in runtime


# -- generated tables and a real load -------------------------------------------------------


def test_on_generated_tables_rule_3_alone_leaks_and_each_interval_holds_the_true_value():
    pinned = 0
    for seed in range(6):
        rng = random.Random(seed)
        true = linked.frame(linked.dsf_rows(linked.random_trusts(rng, 4)))
        result = audit(apply_disclosure(true, CATALOG, relations=EMPTY_RELATIONS), true)
        figures = {(r["measure_code"], r["org"]): r for r in true.to_dicts()}
        for p in result.pinned:
            row = figures[(p.measure_code, p.org)]
            actual = row[p.figure]
            if p.figure == "value" and row["denominator"]:
                actual = 100 * row["numerator"] / row["denominator"]
            assert p.low - 1e-6 <= actual <= p.high + 1e-6, p
        pinned += len(result.pinned)
    assert pinned > 5


@pytest.fixture(scope="module")
def load(regional):
    settings, _, _, _ = regional
    with connect(settings.warehouse, read_only=True) as con:
        marts = pl.concat([con.sql(f"from marts.outcome{n}").pl() for n in range(1, 5)])
        catalog = con.sql("from reference.measures where not breakdown_only").pl()
    return marts.select(MART_COLUMNS), catalog


def test_a_real_load_rule_6_leaves_nothing_pinned_where_rule_3_alone_leaked(load):
    marts, catalog = load
    thresholds = Thresholds()
    published = apply_disclosure(marts, catalog, thresholds)
    result = audit_disclosure(published, marts, catalog, thresholds)
    assert result.passed, result.summary()
    assert result.protected > 20 and result.relations > 100
    alone = apply_disclosure(marts, catalog, thresholds, relations=EMPTY_RELATIONS)
    leaked = audit_disclosure(alone, marts, catalog, thresholds)
    assert not leaked.passed
    assert {p.measure_code[:6] for p in leaked.pinned} <= {"O3_DSF", "O1_RAW"}
    # rule 6 hides more than rules 1-3 did
    assert published["suppressed"].sum() > alone["suppressed"].sum()
