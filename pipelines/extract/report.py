"""``report.html``: the page a board member reads (template ``templates/report.html.j2``).

Self-contained: inline CSS and inline SVG, no script, no external reference. Per outcome, a
table of the period's measures by Trust and REGION (suppressed figures as ``[c]``), then per
measure a small "turn the curve" chart (``chart_svg``): its trend per Trust and REGION over the
periods up to the pack's, against REGION's baseline (dashed).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from markupsafe import Markup

from pipelines.extract.disclosure import REGION, Thresholds
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
# NHS identity colours: distinguishable lines for the five Trusts, REGION in near-black
ORG_COLOURS = {
    "BHSCT": "#005eb8",
    "NHSCT": "#009639",
    "SEHSCT": "#ed8b00",
    "SHSCT": "#7c2855",
    "WHSCT": "#00a9ce",
    REGION: "#212b32",
}
NO_VALUE = "\u2013"  # en dash
CONFIDENTIAL = "[c]"  # a suppressed figure (the Analysis Function's shorthand)


@dataclass(frozen=True)
class Measure:
    code: str
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


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    tick = start
    while tick < high + step * 0.999:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


def _measures(catalog: pl.DataFrame) -> list[Measure]:
    return [
        Measure(
            code=row["measure_code"],
            outcome=int(row["outcome"]),
            oba_type=row["oba_type"],
            unit=row["unit"],
            direction=row["direction_of_good"],
            definition=row["definition"],
        )
        for row in catalog.iter_rows(named=True)
    ]


def _point_text(row: dict | None, unit: str) -> str:
    if row is None:
        return "no figure"
    return "suppressed" if row["suppressed"] else fmt(row["value"], unit)


def chart_svg(m: Measure, rows: dict, periods: Sequence[str], orgs: Sequence[str]) -> str:
    """A turn-the-curve line chart: one line per org, REGION's baseline dashed."""
    width, height = 640, 300
    left, right, top, bottom = 64, 112, 22, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    series = {o: [rows.get((m.code, o, p)) for p in periods] for o in orgs}
    values = [r["value"] for s in series.values() for r in s if r and r["value"] is not None]
    region_rows = [r for r in series.get(REGION, []) if r is not None]
    baseline = next(
        (r for r in reversed(region_rows) if r["baseline_value"] is not None),
        None,
    )
    base_value = baseline["baseline_value"] if baseline else None
    scale_values = values + ([base_value] if base_value is not None else [])
    low = min(scale_values, default=0.0)
    high = max(scale_values, default=1.0)
    if m.unit in ("count", "sum"):
        low = min(low, 0.0)  # sizes: from zero
    else:  # shares and averages: the range of the figures, with a margin
        margin = (high - low) * 0.15 or max(abs(high) * 0.1, 1.0)
        low, high = low - margin, high + margin
        if m.unit == "percent":
            low, high = max(low, 0.0), min(high, 100.0)
    ticks = nice_ticks(low, high)
    if m.unit == "percent":
        ticks = [t for t in ticks if 0 <= t <= 100] or [0.0, 100.0]
    y_min, y_max = ticks[0], ticks[-1]
    step_size = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = 0
    while decimals < 4 and abs(round(step_size, decimals) - step_size) > 1e-9:
        decimals += 1

    def x(i: int) -> float:
        return left + (plot_w * i / (len(periods) - 1) if len(periods) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - (v - y_min) / (y_max - y_min or 1) * plot_h

    uid = re.sub(r"[^A-Za-z0-9]", "-", m.code)
    title = (
        f"{m.code}: trend by Trust and region, {periods_label(periods[0])} to "
        f"{periods_label(periods[-1])}, against the regional baseline"
    )
    described = []
    for o in orgs:
        points = ", ".join(
            f"{periods_label(p)} {_point_text(r, m.unit)}"
            for p, r in zip(periods, series[o], strict=True)
        )
        described.append(f"{o}: {points}.")
    if base_value is not None:
        described.append(
            f"Regional baseline ({periods_label(baseline['baseline_period'])}): "
            f"{fmt(base_value, m.unit)}."
        )
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="t-{uid} d-{uid}" font-family="Arial, sans-serif" font-size="12">',
        f'<title id="t-{uid}">{html.escape(title)}</title>',
        f'<desc id="d-{uid}">{html.escape(" ".join(described))}</desc>',
    ]
    # grid and y axis
    for t in ticks:
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
            'stroke="#d8dde0" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y(t) + 4:.1f}" text-anchor="end" fill="#4c6272">'
            f"{t:,.{decimals}f}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#768692"/>'
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#768692"/>'
    )
    if m.unit == "percent":
        parts.append(
            f'<text x="{left - 8}" y="{top - 8}" text-anchor="end" fill="#4c6272">%</text>'
        )
    # x axis labels (thinned when there are many periods)
    step = max(1, math.ceil(len(periods) / 8))
    for i, p in enumerate(periods):
        if i % step and i != len(periods) - 1:
            continue
        year, quarter = periods_label(p).split(" ")
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'fill="#4c6272">{quarter}</text>'
            f'<text x="{x(i):.1f}" y="{top + plot_h + 32}" text-anchor="middle" '
            f'fill="#4c6272" font-size="11">{year}</text>'
        )
    # baseline
    if base_value is not None:
        by = y(base_value)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{by:.1f}" y2="{by:.1f}" '
            'stroke="#212b32" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>Regional baseline {html.escape(fmt(base_value, m.unit))}</title></line>"
        )
    # lines: Trusts first, REGION on top
    for o in [*[o for o in orgs if o != REGION], *([REGION] if REGION in orgs else [])]:
        colour = ORG_COLOURS.get(o, "#425563")
        stroke = 3.5 if o == REGION else 2
        segment: list[str] = []
        segments: list[list[str]] = []
        dots = []
        for i, r in enumerate(series[o]):
            if r is None or r["value"] is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(r['value']):.1f}")
            radius = 3.5 if o == REGION else 2.5
            dots.append(
                f'<circle cx="{x(i):.1f}" cy="{y(r["value"]):.1f}" r="{radius}" '
                f'fill="{colour}"><title>{o} {periods_label(periods[i])}: '
                f"{html.escape(fmt(r['value'], m.unit))}</title></circle>"
            )
        if segment:
            segments.append(segment)
        for s in segments:
            parts.append(
                f'<polyline points="{" ".join(s)}" fill="none" stroke="{colour}" '
                f'stroke-width="{stroke}" stroke-linejoin="round"/>'
            )
        parts.extend(dots)
    # legend
    lx = left + plot_w + 16
    for i, o in enumerate(orgs):
        ly = top + 8 + i * 20
        colour = ORG_COLOURS.get(o, "#425563")
        weight = ' font-weight="bold"' if o == REGION else ""
        parts.append(
            f'<line x1="{lx}" x2="{lx + 20}" y1="{ly}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="{3.5 if o == REGION else 2.5}"/>'
            f'<text x="{lx + 26}" y="{ly + 4}" fill="#212b32"{weight}>{o}</text>'
        )
    ly = top + 8 + len(orgs) * 20
    if base_value is not None:
        parts.append(
            f'<line x1="{lx}" x2="{lx + 20}" y1="{ly}" y2="{ly}" stroke="#212b32" '
            'stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text x="{lx + 26}" y="{ly + 4}" fill="#212b32">Baseline</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _cell(row: dict | None, unit: str, *, region: bool) -> dict:
    css = ["region"] if region else []
    if row is None:
        return {"css": " ".join(css), "title": "no return loaded", "text": NO_VALUE}
    if row["suppressed"]:
        css.append("suppressed")
        title = "suppressed (disclosure control)"
        return {"css": " ".join(css), "title": title, "text": CONFIDENTIAL}
    return {"css": " ".join(css), "title": None, "text": fmt(row["value"], unit)}


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


def _figure(m: Measure, rows: dict, periods: Sequence[str], orgs: Sequence[str]) -> dict:
    region = [rows.get((m.code, REGION, p)) for p in periods]
    baseline = next((r for r in reversed(region) if r and r["baseline_value"] is not None), None)
    if baseline is not None:
        caption = (
            f"Dashed line: regional baseline {fmt(baseline['baseline_value'], m.unit)} "
            f"({periods_label(baseline['baseline_period'])})."
        )
    else:
        caption = "No regional baseline to show."
    gaps = any(
        r is not None and r["suppressed"]
        for o in orgs
        for r in [rows.get((m.code, o, p)) for p in periods]
    )
    if gaps:
        caption += f" Gaps: suppressed figures ({CONFIDENTIAL}) or no figure."
    return {
        "definition": m.definition,
        "code": m.code,
        "oba_label": OBA_LABELS.get(m.oba_type, m.oba_type),
        "direction": DIRECTION.get(m.direction, ""),
        "svg": Markup(chart_svg(m, rows, periods, orgs)),  # built here, its text escaped
        "caption": caption,
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
        orgs=list(orgs),
        region=REGION,
        sections=sections,
        rules=thresholds.rules(),
        confidential=CONFIDENTIAL,
        no_value=NO_VALUE,
    )
