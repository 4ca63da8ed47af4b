"""Disclosure control of the ODB extracts, in one place (measures.md, "Disclosure control").

The marts keep true values; an extract applies these rules, per (measure, period), to the
measures whose catalog row says ``disclosure_control`` (those built from records about people:
star, ascot, dsf, raw). Workforce and indicator measures pass through untouched.

1. A count of people or events from ``count_min`` to ``count_max`` (default 1-4) is suppressed:
   a count measure's value, a share's numerator or denominator, a mean's denominator.
2. A share or mean whose denominator is from 1 to ``min_denominator - 1`` (default 1-9) is
   suppressed.
3. Secondary, for the measures no relation links (people counts: REGION counts a person once,
   so it is not the sum of the Trusts): where exactly one Trust row is suppressed and REGION is
   shown, the smallest other non-zero Trust row (ties: the first by org code) is suppressed too.
   "Smallest" is the value of a count and the denominator of a share or mean. measures.md names
   count measures; a share or mean publishes its numerator and denominator, and REGION's
   (pooled) ones give a lone hidden Trust's away by subtraction just the same, so
   ``secondary_units`` covers all three by default. Where no other Trust row is non-zero, REGION
   is suppressed instead (then REGION minus the zeros would be the hidden value).
4. Zero is shown as zero (a zero count, a share of nothing: nothing to hide).
5. Where a (measure, org)'s baseline row is suppressed (or not among the rows given), its
   ``baseline_value`` and ``change_from_baseline`` are empty in every row; a suppressed row
   shows no change.
6. Linked figures (``seeds/measure_relations.csv``, read by ``relations``): across every
   relation the pack publishes (REGION = Σ Trusts for events and questionnaires, a DSF total =
   Σ its functions, a count published twice, on time <= due), in every period, figures are
   hidden until no figure rules 1-2 protect is pinned by the published ones (``secondary``:
   sdcTable's SIMPLEHEURISTIC, the smallest figures first). This replaces rule 3 for the linked
   measures, whose choice it generalises. Rows are hidden whole.

Breakdown rows (measures.md, "Breakdowns") go through ``disclose`` with the pack's rows, so
that rules 1, 2, 5 and 6 hold across the categories of each dimension and REGION at once.

A suppressed row has ``suppressed`` true and ``value``, ``numerator``, ``denominator`` empty.
Thresholds come from ``[tool.sws.disclosure]`` in pyproject.toml. Rule 7, the audit, is
``audit`` (independent of this code).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipelines.extract.relations import (
    REGION,
    PeriodCells,
    linked_cells,
    linked_measures,
    load_relations,
)
from pipelines.extract.secondary import Target, protect

MART_COLUMNS = (
    "outcome",
    "measure_code",
    "oba_type",
    "org",
    "period",
    "numerator",
    "denominator",
    "value",
    "baseline_period",
    "baseline_value",
    "change_from_baseline",
    "suppressed",
)
UNITS = ("count", "sum", "percent", "mean", "median")
COUNT_LIKE = ("count", "sum")  # the value is the count itself (a controlled sum: none today)
SHARES = ("percent",)


@dataclass(frozen=True)
class Thresholds:
    """The configured limits of the rules (defaults: measures.md)."""

    count_min: int = 1
    count_max: int = 4
    min_denominator: int = 10
    secondary_units: tuple[str, ...] = ("count", "percent", "mean")

    def __post_init__(self) -> None:
        for name in ("count_min", "count_max", "min_denominator"):
            if not isinstance(getattr(self, name), int) or isinstance(getattr(self, name), bool):
                raise ValueError(f"[tool.sws.disclosure] {name} must be a whole number")
        if not 1 <= self.count_min <= self.count_max:
            raise ValueError("[tool.sws.disclosure] needs 1 <= count_min <= count_max")
        if self.min_denominator < 1:
            raise ValueError("[tool.sws.disclosure] min_denominator must be at least 1")
        unknown = set(self.secondary_units) - set(UNITS)
        if unknown:
            raise ValueError(f"[tool.sws.disclosure] secondary_units: unknown {sorted(unknown)}")

    @property
    def small_counts(self) -> list[int]:
        """The counts rule 1 hides."""
        return list(range(self.count_min, self.count_max + 1))

    @property
    def thin_denominators(self) -> list[int]:
        """The denominators rule 2 hides."""
        return list(range(1, self.min_denominator))

    def rules(self) -> list[str]:
        """The rules in words, with the configured thresholds (notes sheet, report)."""
        lo, hi, below = self.count_min, self.count_max, self.min_denominator
        units = ", ".join(self.secondary_units) or "no"
        return [
            "Disclosure control applies to the measures built from records about people "
            "(Star, ASCOT, DSF and RAW returns); workforce and indicator measures are shown "
            "as reported.",
            f"1. A count of people or events from {lo} to {hi} is suppressed: a count "
            "measure's value, a share's numerator or denominator, a mean's denominator.",
            f"2. A share or mean whose denominator is from 1 to {below - 1} is suppressed.",
            "3. Secondary suppression of counts of people (the region counts a person once, so "
            "its figure is not the sum of the Trusts'): where exactly one Trust's figure for a "
            "measure and period is suppressed and the region's is shown, the smallest other "
            "non-zero Trust figure (ties: the first by org code) is suppressed too (the count "
            f"of a count measure, the denominator of a share or mean; applied to {units} "
            "measures). Where every other Trust figure is zero, the region's figure is "
            "suppressed instead.",
            "4. Zero is shown as zero.",
            "5. Where the baseline figure of a measure for an org is suppressed, its baseline "
            "value and change from baseline are left empty in every period; a suppressed "
            "figure shows no change from baseline.",
            "6. Linked figures: the region's counts of DSF events and RAW questionnaires (and "
            "the RAW score sums) are the sums of the Trusts', a DSF total is the sum of its "
            "functions (events due and on time) for every Trust and the region, and a due "
            "count is published again as the denominator of its on-time share. Further "
            "figures are suppressed, the smallest first, until no figure protected by rules 1 "
            "and 2 can be worked out from the published figures by any chain of additions and "
            "subtractions, nor narrowed to a single value knowing that counts are not "
            "negative and that on-time events are at most the events due. A count published "
            "twice is suppressed in both places where that protects a figure.",
            "7. Audit: before the pack is published, a check independent of the suppression "
            "works out, for every suppressed figure, the range of values the published "
            "figures allow (linear programming); the pack is published only if no protected "
            "figure is pinned to a single value.",
            "[c] marks a suppressed figure (confidential) in the workbook and report; in the "
            "CSV files it is empty (suppressed = true).",
        ]


def load_thresholds(config: Mapping[str, Any] | None = None) -> Thresholds:
    """The thresholds of ``[tool.sws.disclosure]`` (or of ``config``); unknown keys refused."""
    if config is None:
        from pipelines.settings import sws_config

        config = sws_config().get("disclosure", {})
    names = {field.name for field in dataclasses.fields(Thresholds)}
    unknown = sorted(set(config) - names)
    if unknown:
        raise ValueError(f"[tool.sws.disclosure]: unknown setting(s) {', '.join(unknown)}")
    values = dict(config)
    if "secondary_units" in values:
        values["secondary_units"] = tuple(values["secondary_units"])
    return Thresholds(**values)


def measure_catalog(catalog: pl.DataFrame) -> pl.DataFrame:
    """The catalog columns disclosure control needs, typed (the seed is text, the warehouse
    table typed): ``measure_code``, ``unit``, ``controlled`` (bool)."""
    controlled = pl.col("disclosure_control")
    if catalog.schema["disclosure_control"] != pl.Boolean:
        text = controlled.cast(pl.String).str.to_lowercase()
        controlled = pl.when(text == "true").then(True).when(text == "false").then(False)
    frame = catalog.select(
        "measure_code", pl.col("unit").cast(pl.String), controlled.alias("controlled")
    )
    bad = frame.filter(pl.col("controlled").is_null() | ~pl.col("unit").is_in(UNITS))
    if bad.height:
        raise ValueError(f"measure catalog: bad unit or disclosure_control for {bad.row(0)[0]}")
    return frame


@dataclass(frozen=True)
class Disclosed:
    """Rows with disclosure control applied: the pack's, and the breakdowns' (if given)."""

    pack: pl.DataFrame
    breakdowns: pl.DataFrame | None = None


def apply_disclosure(
    marts: pl.DataFrame,
    catalog: pl.DataFrame,
    thresholds: Thresholds | None = None,
    *,
    relations: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Mart rows (true values) -> the same rows with disclosure control applied.

    ``marts`` has the mart columns (measures.md); give it every period of a measure that a
    later row's baseline may point at (rule 5 looks the baseline row up). Row order and column
    types are kept. ``relations``: the linked figures of rule 6 (default: the seed).
    """
    return disclose(marts, catalog, thresholds, relations=relations).pack


def disclose(
    marts: pl.DataFrame,
    catalog: pl.DataFrame,
    thresholds: Thresholds | None = None,
    *,
    breakdowns: pl.DataFrame | None = None,
    relations: pl.DataFrame | None = None,
) -> Disclosed:
    """Disclosure control over the pack's rows and, at once, the breakdown rows (measures.md,
    "Breakdowns": the mart columns plus ``dimension`` and ``category``, org REGION), linked to
    REGION's pack rows by the seed's ``over_categories`` relations. Each frame comes back with
    its own row order and column types."""
    t = thresholds or Thresholds()
    rel = load_relations(relations)
    cat = measure_catalog(catalog).rename({"unit": "_unit", "controlled": "_controlled"})
    frame = _stack(marts, breakdowns)
    unknown = set(frame["measure_code"].unique().to_list()) - set(cat["measure_code"].to_list())
    if unknown:
        raise ValueError(f"measures not in the catalog: {', '.join(sorted(unknown))}")
    linked = linked_measures(rel)
    frame = frame.join(cat, on="measure_code", how="left").with_columns(
        _primary=_primary(t), _linked=pl.col("measure_code").is_in(linked)
    )
    by_category = rel.filter(pl.col("kind") == "over_categories")["measure_code"]
    unlinked = frame.filter(
        (pl.col("_source") == 1)
        & pl.col("_controlled")
        & ~pl.col("measure_code").is_in(by_category.to_list())
    )
    if unlinked.height:
        raise ValueError(
            "breakdowns: no over_categories relation in seeds/measure_relations.csv for "
            f"{', '.join(sorted(set(unlinked['measure_code'])))}: rules 3 and 6 cannot apply "
            "across its categories"
        )
    frame = _rule_3(frame, t)
    hidden_6 = _rule_6(frame, rel, t)
    frame = frame.with_columns(
        _hidden=pl.col("_primary")
        | pl.col("_secondary")
        | pl.col("_row").is_in(sorted(hidden_6))
        | pl.col("suppressed")
    )
    frame = _blank(frame)
    pack = frame.filter(pl.col("_source") == 0).sort("_row").select(marts.columns)
    out = Disclosed(pack.cast(marts.schema))
    if breakdowns is not None:
        rows = frame.filter(pl.col("_source") == 1).sort("_row")
        rows = rows.with_columns(
            pl.col(c).replace("", None) for c in ("dimension", "category")
        ).select(breakdowns.columns)
        out = Disclosed(out.pack, rows.cast(breakdowns.schema))
    return out


def _stack(marts: pl.DataFrame, breakdowns: pl.DataFrame | None) -> pl.DataFrame:
    """Pack rows and breakdown rows in one frame: ``_row`` (an id), ``_source`` (0 pack, 1
    breakdowns), ``dimension`` and ``category`` ("" on pack rows)."""
    columns = [*MART_COLUMNS, "dimension", "category"]
    parts = [marts.with_columns(dimension=pl.lit(""), category=pl.lit(""), _source=pl.lit(0))]
    if breakdowns is not None:
        parts.append(
            breakdowns.with_columns(
                pl.col("dimension").cast(pl.String).fill_null(""),
                pl.col("category").cast(pl.String).fill_null(""),
                _source=pl.lit(1),
            )
        )
    types = dict(marts.schema) | {"dimension": pl.String, "category": pl.String}
    stacked = pl.concat(
        [p.select(*(pl.col(c).cast(types[c]) for c in columns), "_source") for p in parts]
    )
    return stacked.with_row_index("_row")


def _primary(t: Thresholds) -> pl.Expr:
    """Rules 1 and 2 (and 4: zero is never small)."""
    unit = pl.col("_unit")

    def small(column: str) -> pl.Expr:
        return pl.col(column).is_between(t.count_min, t.count_max).fill_null(False)

    def thin(column: str) -> pl.Expr:
        return ((pl.col(column) >= 1) & (pl.col(column) < t.min_denominator)).fill_null(False)

    return (
        pl.when(~pl.col("_controlled"))
        .then(False)
        .when(unit.is_in(COUNT_LIKE))
        .then(small("value") | small("numerator"))
        .when(unit.is_in(SHARES))
        .then(small("numerator") | small("denominator") | thin("denominator"))
        .otherwise(small("denominator") | thin("denominator"))  # mean, median
    )


def _rule_3(frame: pl.DataFrame, t: Thresholds) -> pl.DataFrame:
    """Rule 3 for the pack's measures that no relation links (people counts): ``_secondary``."""
    unit = pl.col("_unit")
    size = pl.when(unit.is_in(COUNT_LIKE)).then(pl.col("value")).otherwise(pl.col("denominator"))
    frame = frame.with_columns(_size=size)
    group = ["measure_code", "period"]
    is_trust = pl.col("org") != REGION
    stats = frame.group_by(group).agg(
        _trusts_hidden=(is_trust & pl.col("_primary")).sum(),
        _region_shown=((~is_trust) & ~pl.col("_primary")).any(),
    )
    frame = frame.join(stats, on=group, how="left")
    needs_second = (
        pl.col("_controlled")
        & ~pl.col("_linked")
        & (pl.col("_source") == 0)
        & unit.is_in(list(t.secondary_units))
        & (pl.col("_trusts_hidden") == 1)
        & pl.col("_region_shown")
    )
    candidates = (
        frame.filter(needs_second & is_trust & ~pl.col("_primary") & (pl.col("_size") > 0))
        .sort([*group, "_size", "org"])
        .group_by(group, maintain_order=True)
        .first()
        .select(*group, "org", _secondary=pl.lit(True))
    )
    no_candidate = (
        frame.filter(needs_second)
        .select(group)
        .unique()
        .join(candidates.select(group), on=group, how="anti")
        .with_columns(org=pl.lit(REGION), _secondary=pl.lit(True))
    )
    secondary = pl.concat([candidates, no_candidate.select(candidates.columns)])
    joined = frame.join(secondary, on=[*group, "org"], how="left")
    is_second = pl.col("_secondary").fill_null(False) & (pl.col("_source") == 0)
    return joined.with_columns(_secondary=is_second)


def _rule_6(frame: pl.DataFrame, relations: pl.DataFrame, t: Thresholds) -> set[int]:
    """Rule 6: the rows to hide so that no figure rules 1-2 protect is pinned by the linked
    published figures (``secondary.protect``), period by period."""
    rows = frame.filter(pl.col("_linked"))
    units = dict(zip(rows["measure_code"], rows["_unit"], strict=True))
    info = {row["_row"]: row for row in rows.to_dicts()}
    hidden: set[int] = set()
    for pc in linked_cells(rows, units, relations):
        ids = sorted(set(pc.cells.rows))
        shut = {r for r in ids if info[r]["_primary"] or info[r]["suppressed"]}
        hideable = {r for r in ids if info[r]["_controlled"]}
        targets = [target for r in ids for target in _targets(info[r], pc, t)]
        hidden |= protect(pc.cells, targets, shut, hideable)
    return hidden


def _targets(row: dict, pc: PeriodCells, t: Thresholds) -> list[Target]:
    """What rules 1-2 protect in one row: its small counts, and the value of a share or mean
    of a thin denominator (``numerator - value x denominator`` must not be pinned)."""
    unit = row["_unit"]
    if not row["_controlled"] or unit not in t.secondary_units:
        return []

    def small(v: float | None) -> bool:
        return v is not None and t.count_min <= v <= t.count_max

    def cell(figure: str) -> int:
        return pc.of_row[(row["_row"], figure)]

    def alone(figure: str) -> Target:
        return Target(((cell(figure), 1.0),), cell(figure), whole=True)

    num, den = row["numerator"], row["denominator"]
    if unit in COUNT_LIKE:
        return [alone("value")] if small(row["value"]) else []
    targets = [alone("numerator")] if unit in SHARES and small(num) else []
    if small(den):
        targets.append(alone("denominator"))
    if unit != "median" and den is not None and 1 <= den < t.min_denominator:
        ratio = ((cell("numerator"), 1.0), (cell("denominator"), -num / den))
        targets.append(Target(ratio, cell("numerator"), whole=False))
    return targets


def _blank(frame: pl.DataFrame) -> pl.DataFrame:
    """Rule 5, then the hidden figures emptied: the baseline row's fate decides
    ``baseline_value`` and ``change_from_baseline`` in every row of a (measure, org, cell)."""
    key = ["measure_code", "org", "dimension", "category"]
    baseline_rows = frame.filter(pl.col("period") == pl.col("baseline_period")).select(
        *key, _baseline_hidden=pl.col("_hidden")
    )
    frame = frame.join(baseline_rows, on=key, how="left")
    hide_baseline = (
        pl.col("_controlled")
        & pl.col("baseline_period").is_not_null()
        & pl.col("_baseline_hidden").fill_null(True)  # baseline row not given: keep it hidden
    )
    hidden = pl.col("_hidden")

    def blank(column: str, when: pl.Expr) -> pl.Expr:
        return pl.when(when).then(None).otherwise(pl.col(column)).alias(column)

    return frame.with_columns(
        blank("numerator", hidden),
        blank("denominator", hidden),
        blank("value", hidden),
        blank("baseline_value", hide_baseline),
        blank("change_from_baseline", hide_baseline | hidden),
        hidden.alias("suppressed"),
    )
