"""``report.html``: the page a board member reads (template ``templates/report.html.j2``).

Self-contained: inline CSS and inline SVG, no script, no external reference. Per outcome, a
table of the period's measures by Trust and REGION (suppressed figures as ``[c]``), then per
measure a small "turn the curve" chart (``chart.line_chart``): its trend per Trust and REGION
over the periods up to the pack's, against REGION's baseline (dashed), its figures in a table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from pipelines.extract.chart import Baseline, LineChart, Series, line_chart
from pipelines.extract.disclosure import REGION, Thresholds
from pipelines.extract.symbols import CONFIDENTIAL
from pipelines.templating import render

OUTCOMES = {
    1: "Improving social wellbeing",
    2: "A skilled, confident and resilient workforce",
    3: "Effective interventions and services",
    4: "A valued and respected profession",
}
OBA_LABELS = {
    "how_much": "How much did we do?",
    "how_well": "How well did we do it?",
    "better_off": "Is anyone better off?",
    "population": "Population indicator",
}
DIRECTION = {"up": "Higher is better", "down": "Lower is better", "none": "No preferred direction"}
NO_VALUE = "\u2013"  # en dash
SYMBOLS_NOTE = (
    f"{CONFIDENTIAL} suppressed to protect confidentiality (disclosure control). "
    f"{NO_VALUE} no figure (no return loaded, or nothing to divide by)."
)


@dataclass(frozen=True)
class Measure:
    code: str
    short_name: str
    outcome: int
    oba_type: str
    unit: str
    direction: str
    definition: str


def periods_label(period: str) -> str:
    """``2024-25-Q3`` -> ``2024-25 Q3``."""
    return re.sub(r"-(Q\d)$", r" \1", period)


def fmt(value: float | None, unit: str) -> str:
    """A figure as a reader sees it (percent 1 dp with %, mean 2 dp, counts with commas)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_VALUE
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "mean":
        return f"{value:,.2f}"
    if unit == "count" or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def fmt_change(value: float | None, unit: str) -> str:
    if value is None:
        return NO_VALUE
    text = fmt(abs(value), unit).replace("%", " pts" if unit == "percent" else "")
    return ("+" if value > 0 else "\u2212" if value < 0 else "") + text


def _measures(catalog: pl.DataFrame) -> list[Measure]:
    return [
        Measure(
            code=row["measure_code"],
            short_name=row.get("short_name") or row["measure_code"],
            outcome=int(row["outcome"]),
            oba_type=row["oba_type"],
            unit=row["unit"],
            direction=row["direction_of_good"],
            definition=row["definition"],
        )
        for row in catalog.iter_rows(named=True)
    ]


def _cell_text(row: dict | None, unit: str) -> str:
    if row is None:
        return NO_VALUE
    return CONFIDENTIAL if row["suppressed"] else fmt(row["value"], unit)


def _cell(row: dict | None, unit: str, *, region: bool) -> dict:
    css = ["region"] if region else []
    if row is not None and row["suppressed"]:
        css.append("suppressed")
    return {"css": " ".join(css), "text": _cell_text(row, unit)}


def _table_row(m: Measure, rows: dict, period: str, orgs: Sequence[str]) -> dict:
    region = rows.get((m.code, REGION, period))
    shown_baseline = region is not None and region["baseline_value"] is not None
    change = NO_VALUE
    if region is not None and not region["suppressed"]:
        change = fmt_change(region["change_from_baseline"], m.unit)
    return {
        "definition": m.definition,
        "code": m.code,
        "oba_label": OBA_LABELS.get(m.oba_type, m.oba_type),
        "cells": [_cell(rows.get((m.code, o, period)), m.unit, region=o == REGION) for o in orgs],
        "baseline": fmt(region["baseline_value"], m.unit) if shown_baseline else None,
        "baseline_period": periods_label(region["baseline_period"]) if shown_baseline else None,
        "change": change,
    }


def _chart(m: Measure, rows: dict, periods: Sequence[str], orgs: Sequence[str]) -> LineChart:
    series = {o: [rows.get((m.code, o, p)) for p in periods] for o in orgs}
    region = [r for r in series.get(REGION, []) if r is not None]
    last = next((r for r in reversed(region) if r["baseline_value"] is not None), None)
    baseline = None
    description = (
        "Each line is a Trust or the region, drawn with its own marker shape and named on the "
        "right, level with its last point."
    )
    if last is not None:
        baseline = Baseline(
            value=last["baseline_value"],
            text=fmt(last["baseline_value"], m.unit),
            label=f"Baseline ({periods_label(last['baseline_period'])})",
        )
        description += (
            f" The dashed line is the regional baseline, {baseline.text} "
            f"({periods_label(last['baseline_period'])})."
        )
    else:
        description += " No regional baseline to show."
    if any(r is None or r["suppressed"] or r["value"] is None for s in series.values() for r in s):
        description += f" Gaps: figures suppressed ({CONFIDENTIAL}) or not available."
    first_label, last_label = periods_label(periods[0]), periods_label(periods[-1])
    return line_chart(
        re.sub(r"[^A-Za-z0-9]", "-", m.code),
        f"{m.short_name} by Trust and for the region, {first_label} to {last_label}",
        description + " The figures are in the table below the chart.",
        [tuple(periods_label(p).split(" ")) for p in periods],
        [
            Series(
                name=o,
                values=[None if r is None or r["suppressed"] else r["value"] for r in s],
                texts=[_cell_text(r, m.unit) for r in s],
            )
            for o, s in series.items()
        ],
        unit=m.unit,
        baseline=baseline,
        note=SYMBOLS_NOTE,
    )


def _figure(m: Measure, rows: dict, periods: Sequence[str], orgs: Sequence[str]) -> dict:
    return {
        "definition": m.definition,
        "code": m.code,
        "oba_label": OBA_LABELS.get(m.oba_type, m.oba_type),
        "direction": DIRECTION.get(m.direction, ""),
        "chart": _chart(m, rows, periods, orgs),
    }


def render_report(
    frame: pl.DataFrame,
    catalog: pl.DataFrame,
    *,
    period: str,
    orgs: Sequence[str],
    thresholds: Thresholds,
    consumer: str,
    built_at: str,
    data_as_at: str | None,
) -> str:
    """The report for ``period`` from the disclosed extract rows up to it."""
    periods = sorted(frame["period"].unique().to_list())
    rows = {(r["measure_code"], r["org"], r["period"]): r for r in frame.iter_rows(named=True)}
    measures = _measures(catalog)
    present = set(frame["measure_code"].unique().to_list())
    sections = []
    for outcome, name in OUTCOMES.items():
        chosen = [m for m in measures if m.outcome == outcome and m.code in present]
        if chosen:
            sections.append(
                {
                    "outcome": outcome,
                    "name": name,
                    "rows": [_table_row(m, rows, period, orgs) for m in chosen],
                    "figures": [_figure(m, rows, periods, orgs) for m in chosen],
                }
            )
    return render(
        "pipelines.extract",
        "report.html.j2",
        period_label=periods_label(period),
        first_period_label=periods_label(periods[0]),
        data_as_at=data_as_at or "unknown",
        consumer=consumer,
        built_at=built_at,
        org_columns=[(o, "region") if o == REGION else o for o in orgs],
        sections=sections,
        rules=thresholds.rules(),
        no_value=NO_VALUE,
        symbols_note=SYMBOLS_NOTE,
    )
