"""Line charts that read without colour, without a mouse and at any zoom: the geometry of one
chart (template macro ``line_chart`` in ``templates/chart.html.j2`` draws it).

- Every line has its own colour (each at least 3:1 against the chart background, and apart
  under the common colour-vision deficiencies: ``tests/test_accessibility.py``), its own
  marker shape, and its name written at its end.
- Positions are percentages of the plot and text is sized in ``em``: the SVG has no
  ``viewBox``, so its text does not shrink with the chart's width and grows with zoom.
- The figures are in a table under the chart, and the chart's name is its title alone.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.extract.disclosure import REGION

BACKGROUND = "#ffffff"
TEXT = "#212b32"


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    marker: str  # a key of MARKERS
    width: float  # line width, px
    bold: bool = False  # its name in bold


# The chart palette, its one home. Hues after Okabe-Ito and Paul Tol's "bright" scheme, adjusted
# until each is at least 3:1 against BACKGROUND and every pair (REGION included) differs by a
# CIEDE2000 of at least 15 in normal vision and simulated protanopia, deuteranopia, tritanopia.
SERIES_STYLES = {
    "BHSCT": SeriesStyle("#0059d6", "circle", 2),
    "NHSCT": SeriesStyle("#1a661a", "square", 2),
    "SEHSCT": SeriesStyle("#b0841c", "triangle", 2),
    "SHSCT": SeriesStyle("#a0186e", "diamond", 2),
    "WHSCT": SeriesStyle("#1894bf", "triangle-down", 2),
    REGION: SeriesStyle(TEXT, "ring", 3.5, bold=True),
}
UNSTYLED = SeriesStyle("#4c6272", "cross", 2)  # a series the palette does not name
BASELINE_DASH = "6 4"

# Marker shapes centred on the origin, in px. A filled shape is ringed with the background
# colour, so that markers where lines cross stay apart.
MARKERS = {
    "circle": "M-4.5,0a4.5,4.5 0 1,0 9,0a4.5,4.5 0 1,0 -9,0Z",
    "square": "M-4,-4h8v8h-8Z",
    "triangle": "M0,-5.5L5.2,3.6H-5.2Z",
    "diamond": "M0,-5.6L5.6,0L0,5.6L-5.6,0Z",
    "triangle-down": "M0,5.5L5.2,-3.6H-5.2Z",
    "ring": "M-4.5,0a4.5,4.5 0 1,0 9,0a4.5,4.5 0 1,0 -9,0Z",
    "cross": "M-4.5,-1.5h3v-3h3v3h3v3h-3v3h-3v-3h-3Z",
}
HOLLOW = frozenset({"ring"})  # drawn as an outline in the line's colour, filled with BACKGROUND

PLOT_HEIGHT_EM = 15.0
LABEL_GAP_EM = 1.25  # the least distance between two labels at the lines' ends
MAX_X_LABELS = 8


def style_of(series: str) -> SeriesStyle:
    return SERIES_STYLES.get(series, UNSTYLED)


@dataclass(frozen=True)
class Series:
    """One line: a value per period (``None``: no point) and each as the table shows it."""

    name: str
    values: Sequence[float | None]
    texts: Sequence[str]


@dataclass(frozen=True)
class Baseline:
    value: float
    text: str  # the value as the table shows it
    label: str  # its column in the table, e.g. "Baseline (2023-24 Q1)"


@dataclass(frozen=True)
class Line:
    name: str
    style: SeriesStyle
    segments: list[tuple[float, float, float, float]]  # x1, y1, x2, y2 (% of the plot)
    points: list[tuple[float, float]]
    end_y: float | None  # the height of its last point (% of the plot); None: no point at all
    label_y: float | None  # where its name is written, at the plot's right
    reaches_end: bool  # it has a point in the last period (a leader joins it to its name)


@dataclass(frozen=True)
class XTick:
    x: float
    quarter: str
    year: str  # empty where the tick before is in the same year
    edge: bool  # first or last: kept when the chart is too narrow for the others


@dataclass(frozen=True)
class BaselineMark:
    y: float
    label_y: float
    text: str
    label: str


@dataclass(frozen=True)
class LineChart:
    uid: str
    title: str
    description: str
    height_em: float
    unit_label: str
    y_ticks: list[tuple[str, float]]
    x_ticks: list[XTick]
    lines: list[Line]  # drawing order: REGION last, on top
    baseline: BaselineMark | None
    periods: list[str]
    rows: list[Series]  # the table's columns, in the order given; a row per period
    note: str  # under the table: what its symbols mean
    markers: dict[str, str]  # the shapes this chart uses
    hollow: frozenset[str] = HOLLOW
    background: str = BACKGROUND
    ink: str = TEXT
    baseline_dash: str = BASELINE_DASH


def spread_labels(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Positions for labels as near ``wanted`` as can be, any two at least ``gap`` apart,
    within [``low``, ``high``] when they fit, in the same order as ``wanted``.

    Labels that would collide form a cluster placed at the mean of what its members want
    (so each moves as little as possible); clusters that then collide merge.
    """
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    clusters: list[tuple[float, int, float]] = []  # top, size, sum of (wanted - k * gap)
    for i in order:
        want = min(max(wanted[i], low), high)
        clusters.append((want, 1, want))
        while len(clusters) > 1 and clusters[-2][0] + clusters[-2][1] * gap > clusters[-1][0]:
            _, size2, sum2 = clusters.pop()
            _, size1, sum1 = clusters.pop()
            size, total = size1 + size2, sum1 + sum2 - size1 * size2 * gap
            top = max(min(total / size, high - (size - 1) * gap), low)
            clusters.append((top, size, total))
    placed = [top + k * gap for top, size, _ in clusters for k in range(size)]
    result = [0.0] * len(wanted)
    for rank, i in enumerate(order):
        result[i] = placed[rank]
    return result


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


def _y_ticks(values: list[float], unit: str) -> list[float]:
    low, high = min(values, default=0.0), max(values, default=1.0)
    if unit in ("count", "sum"):
        low = min(low, 0.0)  # sizes: from zero
    else:  # shares and averages: the range of the figures, with a margin
        margin = (high - low) * 0.15 or max(abs(high) * 0.1, 1.0)
        low, high = low - margin, high + margin
        if unit == "percent":
            low, high = max(low, 0.0), min(high, 100.0)
    ticks = nice_ticks(low, high)
    if unit == "percent":
        ticks = [t for t in ticks if 0 <= t <= 100] or [0.0, 100.0]
    return ticks


def _decimals(ticks: list[float]) -> int:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = 0
    while decimals < 4 and abs(round(step, decimals) - step) > 1e-9:
        decimals += 1
    return decimals


def _x_ticks(periods: Sequence[tuple[str, str]], x) -> list[XTick]:
    """At most MAX_X_LABELS, the last always; a year written where it changes, and at both ends."""
    step = max(1, math.ceil(len(periods) / MAX_X_LABELS))
    last = len(periods) - 1
    ticks, year_before = [], None
    for i, (year, quarter) in enumerate(periods):
        if i % step and i != last:
            continue
        edge = i in (0, last)
        ticks.append(
            XTick(round(x(i), 2), quarter, year if edge or year != year_before else "", edge)
        )
        year_before = year
    return ticks


def _line(series: Series, x, y) -> Line:
    segments, points, previous = [], [], None
    for i, value in enumerate(series.values):
        if value is None:
            previous = None
            continue
        point = (round(x(i), 2), round(y(value), 2))
        if previous is not None:
            segments.append((*previous, *point))
        points.append(point)
        previous = point
    return Line(
        name=series.name,
        style=style_of(series.name),
        segments=segments,
        points=points,
        end_y=points[-1][1] if points else None,
        label_y=None,
        reaches_end=bool(series.values) and series.values[-1] is not None,
    )


def line_chart(
    uid: str,
    title: str,
    description: str,
    periods: Sequence[tuple[str, str]],
    series: Sequence[Series],
    *,
    unit: str,
    baseline: Baseline | None = None,
    note: str = "",
) -> LineChart:
    """A chart of ``series`` over ``periods`` (each ``(year, quarter)``, e.g. ``("2024-25",
    "Q3")``); ``unit`` as in the measures seed (counts and sums are drawn from zero, percents
    within 0 to 100)."""
    values = [v for s in series for v in s.values if v is not None]
    ticks = _y_ticks(values + ([baseline.value] if baseline else []), unit)
    y_min, y_max = ticks[0], ticks[-1]

    def x(i: int) -> float:
        return 100 * i / (len(periods) - 1) if len(periods) > 1 else 50.0

    def y(v: float) -> float:
        return 100 * (y_max - v) / (y_max - y_min or 1)

    lines = [_line(s, x, y) for s in series]
    ends = [line.end_y for line in lines if line.end_y is not None]
    if baseline is not None:
        ends.append(round(y(baseline.value), 2))
    gap = 100 * LABEL_GAP_EM / PLOT_HEIGHT_EM
    placed = iter(spread_labels(ends, gap, 0.0, 100.0))
    lines = [
        dataclasses.replace(line, label_y=round(next(placed), 2))
        if line.end_y is not None
        else line
        for line in lines
    ]
    mark = None
    if baseline is not None:
        by = round(y(baseline.value), 2)
        mark = BaselineMark(by, round(next(placed), 2), baseline.text, baseline.label)
    decimals = _decimals(ticks)
    return LineChart(
        uid=uid,
        title=title,
        description=description,
        height_em=PLOT_HEIGHT_EM,
        unit_label="%" if unit == "percent" else "",
        y_ticks=[(f"{t:,.{decimals}f}", round(y(t), 2)) for t in ticks],
        x_ticks=_x_ticks(periods, x),
        lines=sorted(lines, key=lambda line: line.name == REGION),
        baseline=mark,
        periods=[f"{year} {quarter}" for year, quarter in periods],
        rows=list(series),
        note=note,
        markers={line.style.marker: MARKERS[line.style.marker] for line in lines if line.points},
    )
