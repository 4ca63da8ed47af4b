"""Disclosure control of the ODB extracts, in one place (measures.md, "Disclosure control").

The marts keep true values; an extract applies these rules, per (measure, period), to the
measures whose catalog row says ``disclosure_control`` (those built from records about people:
star, ascot, dsf, raw). Workforce and indicator measures pass through untouched.

1. A count of people or events from ``count_min`` to ``count_max`` (default 1-4) is suppressed:
   a count measure's value, a share's numerator or denominator, a mean's denominator.
2. A share or mean whose denominator is from 1 to ``min_denominator - 1`` (default 1-9) is
   suppressed.
3. Secondary: where exactly one Trust row is suppressed and REGION is shown, the smallest other
   non-zero Trust row (ties: the first by org code) is suppressed too. "Smallest" is the value
   of a count and the denominator of a share or mean. measures.md names count measures; a share
   or mean publishes its numerator and denominator, and REGION's (pooled) ones give a lone
   hidden Trust's away by subtraction just the same, so ``secondary_units`` covers all three
   by default. Where no other Trust row is non-zero, REGION is suppressed instead (the rules
   leave that case open; then REGION minus the zeros would be the hidden value).
4. Zero is shown as zero (a zero count, a share of nothing: nothing to hide).
5. Where a (measure, org)'s baseline row is suppressed (or not among the rows given), its
   ``baseline_value`` and ``change_from_baseline`` are empty in every row; a suppressed row
   shows no change.

A suppressed row has ``suppressed`` true and ``value``, ``numerator``, ``denominator`` empty.
Thresholds come from ``[tool.sws.disclosure]`` in pyproject.toml.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

REGION = "REGION"
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
            "3. Secondary suppression: where exactly one Trust's figure for a measure and "
            "period is suppressed and the region's is shown, the smallest other non-zero Trust "
            "figure (ties: the first by org code) is suppressed too, so that no hidden value "
            "can be worked out by subtraction (the count of a count measure, the denominator "
            f"of a share or mean; applied to {units} measures). Where every other Trust "
            "figure is zero, the region's figure is suppressed instead.",
            "4. Zero is shown as zero.",
            "5. Where the baseline figure of a measure for an org is suppressed, its baseline "
            "value and change from baseline are left empty in every period; a suppressed "
            "figure shows no change from baseline.",
            "Suppressed figures are shown as * in the workbook and report, and are empty in the "
            "CSV files (suppressed = true).",
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


def apply_disclosure(
    marts: pl.DataFrame, catalog: pl.DataFrame, thresholds: Thresholds | None = None
) -> pl.DataFrame:
    """Mart rows (true values) -> the same rows with disclosure control applied.

    ``marts`` has the mart columns (measures.md); give it every period of a measure that a
    later row's baseline may point at (rule 5 looks the baseline row up). Row order and column
    types are kept.
    """
    t = thresholds or Thresholds()
    cat = measure_catalog(catalog).rename({"unit": "_unit", "controlled": "_controlled"})
    unknown = set(marts["measure_code"].unique().to_list()) - set(cat["measure_code"].to_list())
    if unknown:
        raise ValueError(f"measures not in the catalog: {', '.join(sorted(unknown))}")

    frame = marts.with_row_index("_row").join(cat, on="measure_code", how="left")
    unit = pl.col("_unit")

    def small(column: str) -> pl.Expr:
        return pl.col(column).is_between(t.count_min, t.count_max).fill_null(False)

    def thin(column: str) -> pl.Expr:
        return ((pl.col(column) >= 1) & (pl.col(column) < t.min_denominator)).fill_null(False)

    primary = (
        pl.when(~pl.col("_controlled"))
        .then(False)
        .when(unit.is_in(COUNT_LIKE))
        .then(small("value") | small("numerator"))
        .when(unit.is_in(SHARES))
        .then(small("numerator") | small("denominator") | thin("denominator"))
        .otherwise(small("denominator") | thin("denominator"))  # mean, median
    )
    size = pl.when(unit.is_in(COUNT_LIKE)).then(pl.col("value")).otherwise(pl.col("denominator"))
    frame = frame.with_columns(_primary=primary, _size=size)

    # rule 3, per (measure, period)
    group = ["measure_code", "period"]
    is_trust = pl.col("org") != REGION
    stats = frame.group_by(group).agg(
        _trusts_hidden=(is_trust & pl.col("_primary")).sum(),
        _region_shown=((~is_trust) & ~pl.col("_primary")).any(),
    )
    frame = frame.join(stats, on=group, how="left")
    needs_second = (
        pl.col("_controlled")
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
    frame = frame.join(secondary, on=[*group, "org"], how="left").with_columns(
        _hidden=pl.col("_primary") | pl.col("_secondary").fill_null(False) | pl.col("suppressed")
    )

    # rule 5: the baseline row's fate decides baseline_value and change in every row
    baseline_rows = frame.filter(pl.col("period") == pl.col("baseline_period")).select(
        "measure_code", "org", _baseline_hidden=pl.col("_hidden")
    )
    frame = frame.join(baseline_rows, on=["measure_code", "org"], how="left")
    hide_baseline = (
        pl.col("_controlled")
        & pl.col("baseline_period").is_not_null()
        & pl.col("_baseline_hidden").fill_null(True)  # baseline row not given: keep it hidden
    )
    hidden = pl.col("_hidden")

    def blank(column: str, when: pl.Expr) -> pl.Expr:
        return pl.when(when).then(None).otherwise(pl.col(column)).alias(column)

    return (
        frame.with_columns(
            blank("numerator", hidden),
            blank("denominator", hidden),
            blank("value", hidden),
            blank("baseline_value", hide_baseline),
            blank("change_from_baseline", hide_baseline | hidden),
            hidden.alias("suppressed"),
        )
        .sort("_row")
        .select(marts.columns)
        .cast(marts.schema)
    )
