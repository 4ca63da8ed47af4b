"""WCAG 2.2 AA for every HTML page the product writes (issue #20): the board report, the gate
report (passed and failed) and the "what happens to your data" pages.

- The chart palette: contrast against the chart background (1.4.11) and the distance between
  any two lines under simulated colour-vision deficiencies (1.4.1), from the palette the
  report draws with.
- The charts' geometry: a marker and a name per line, names nudged apart, gaps kept.
- The pages' structure: captions, row and column headers, tables in labelled regions, each
  chart named by its title alone with every figure in a table under it.
- In Chromium (tests/browser/axe.js; skipped without node and /usr/bin/chromium, failed
  instead when SWS_REQUIRE_BROWSER is set, as .ci/run sets it): axe-core finds no WCAG A or
  AA violation, no page scrolls sideways at 320, 640 or 1280 CSS px (400%, 200% and 100% zoom
  of a 1280 px window), chart text keeps its size as the page narrows, and every chart's
  figures and every table are reached from the keyboard.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from pipelines.extract import write_pack
from pipelines.extract.chart import (
    BACKGROUND,
    LABEL_GAP_EM,
    MARKERS,
    PLOT_HEIGHT_EM,
    SERIES_STYLES,
    TEXT,
    UNSTYLED,
    Baseline,
    Series,
    line_chart,
    spread_labels,
)
from pipelines.extract.datapackage import PackageError, PackageValidation
from pipelines.extract.disclosure import REGION
from pipelines.extract.gate import AuditBroken
from pipelines.extract.gate_report import render_gate_report
from pipelines.extract.report import NO_VALUE, fmt, periods_label
from pipelines.extract.symbols import CONFIDENTIAL
from pipelines.lineage import write_data_pages
from pipelines.warehouse import connect
from tests.colour_vision import (
    VISIONS,
    ciede2000,
    closest_pair,
    contrast_ratio,
    delta_e,
    linear_rgb,
    simulate,
)
from tests.html_tree import Element, by_id, parse

BROWSER = Path(__file__).parent / "browser"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
MIN_CONTRAST = 3.0  # WCAG 2.2 1.4.11, graphical objects
MIN_DELTA_E = 15.0  # CIEDE2000, between any two lines, in each vision
NAME_LIMIT = 150  # a chart's accessible name: its title, not its figures
GAP = 100 * LABEL_GAP_EM / PLOT_HEIGHT_EM


# -- the palette --------------------------------------------------------------------------------


def test_colour_arithmetic_gives_published_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.005)
    # issue #20's measurements of the former palette
    assert contrast_ratio("#ed8b00", BACKGROUND) == pytest.approx(2.53, abs=0.005)
    assert contrast_ratio("#00a9ce", BACKGROUND) == pytest.approx(2.78, abs=0.005)
    # Sharma, Wu and Dalal (2005), the CIEDE2000 test data
    for lab1, lab2, expected in [
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ((50, 2.5, 0), (61, -5, 29), 22.8977),
        ((50, 2.5, 0), (50, 3.1736, 0.5854), 1.0),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((22.7233, 20.0904, -46.694), (23.0331, 14.973, -42.5619), 2.0373),
    ]:
        assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=5e-5)


def test_the_simulations_confuse_what_each_deficiency_confuses():
    for vision in VISIONS:  # greys stay grey
        assert simulate(linear_rgb("#ffffff"), vision) == pytest.approx((1.0, 1.0, 1.0), abs=1e-5)
    red_green = {v: delta_e("#ff0000", "#00ff00", v) for v in VISIONS}
    assert red_green["protanopia"] < red_green["normal"] / 2
    assert red_green["deuteranopia"] < red_green["normal"] / 4
    assert red_green["tritanopia"] > red_green["normal"] * 0.8
    blue_green = {v: delta_e("#0000ff", "#00ff00", v) for v in VISIONS}
    assert blue_green["tritanopia"] < blue_green["normal"] * 0.6
    assert blue_green["protanopia"] > blue_green["normal"] * 0.95


def test_every_line_is_3_to_1_against_the_chart_background():
    for name, style in {**SERIES_STYLES, "unstyled": UNSTYLED}.items():
        assert contrast_ratio(style.colour, BACKGROUND) >= MIN_CONTRAST, name
    assert contrast_ratio(TEXT, BACKGROUND) >= 4.5  # the baseline and the lines' names


@pytest.mark.parametrize("vision", VISIONS)
def test_any_two_lines_stay_apart_in_each_colour_vision(vision):
    distance, one, other = closest_pair({n: s.colour for n, s in SERIES_STYLES.items()}, vision)
    assert distance >= MIN_DELTA_E, f"{one} and {other}: CIEDE2000 {distance:.1f} ({vision})"


def test_the_former_palette_fails_the_same_bar():
    former = {"BHSCT": "#005eb8", "NHSCT": "#009639", "SEHSCT": "#ed8b00"}
    former |= {"SHSCT": "#7c2855", "WHSCT": "#00a9ce", REGION: "#212b32"}
    assert closest_pair(former, "protanopia")[0] < MIN_DELTA_E
    assert closest_pair(former, "protanopia")[1:] == ("NHSCT", "SEHSCT")
    assert min(contrast_ratio(c, BACKGROUND) for c in former.values()) < MIN_CONTRAST


def test_every_line_has_its_own_marker_shape():
    markers = [style.marker for style in SERIES_STYLES.values()]
    assert len(set(markers)) == len(markers)
    assert set(markers) | {UNSTYLED.marker} <= set(MARKERS)
    assert UNSTYLED.marker not in markers


# -- the chart's geometry ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ([10, 50, 90], [10, 50, 90]),  # apart already: unmoved
        ([10, 18], [10, 18]),  # exactly a gap apart
        ([50, 50], [46, 54]),  # the same place: each moves half a gap
        ([60, 20, 58], [63, 20, 55]),  # order and positions of the others kept
        ([10, 15, 20, 60], [7, 15, 23, 60]),  # a chain: one cluster, centred on what it wants
        ([99, 100], [92, 100]),  # kept inside at the bottom
        ([0, 1], [0, 8]),  # and at the top
        ([-5, 120], [0, 100]),
    ],
)
def test_labels_that_would_collide_are_nudged_apart(wanted, expected):
    assert spread_labels(wanted, 8, 0, 100) == pytest.approx(expected)


def test_nudged_labels_keep_their_order_a_gap_apart_inside_the_plot():
    rng = random.Random(20)
    for _ in range(300):
        wanted = [rng.uniform(-10, 110) for _ in range(rng.randint(1, 8))]
        placed = spread_labels(wanted, GAP, 0, 100)
        order = sorted(range(len(wanted)), key=lambda i: (wanted[i], i))
        ys = [placed[i] for i in order]
        assert all(b - a >= GAP - 1e-9 for a, b in itertools.pairwise(ys))
        assert ys[0] >= 0 and ys[-1] <= 100 + 1e-9


def _chart(unit="count", baseline=18.0):
    periods = [("2024-25", "Q3"), ("2024-25", "Q4"), ("2025-26", "Q1"), ("2025-26", "Q2")]
    rows = {
        "BHSCT": [10, None, 30, 40],
        "NHSCT": [None, None, None, None],
        REGION: [20, 20, 20, None],
        "XHSCT": [5, 6, 7, 8],
    }
    return line_chart(
        "c1",
        "People assessed by Trust",
        "Each line ...",
        periods,
        [Series(o, v, [NO_VALUE if x is None else str(x) for x in v]) for o, v in rows.items()],
        unit=unit,
        baseline=Baseline(baseline, f"{baseline:g}", "Baseline (2024-25 Q3)"),
        note="[c] suppressed",
    )


def test_a_chart_breaks_its_lines_at_gaps_and_names_each_line_at_its_last_point():
    chart = _chart()
    lines = {line.name: line for line in chart.lines}
    assert [t for t, _ in chart.y_ticks] == ["0", "10", "20", "30", "40"]  # counts from zero
    assert [x.x for x in chart.x_ticks] == [0, 33.33, 66.67, 100]
    assert [x.year for x in chart.x_ticks] == ["2024-25", "", "2025-26", "2025-26"]
    assert [x.edge for x in chart.x_ticks] == [True, False, False, True]
    bhsct = lines["BHSCT"]
    assert bhsct.points == [(0, 75), (66.67, 25), (100, 0)]
    assert bhsct.segments == [(66.67, 25, 100, 0)]  # no segment across the gap
    assert bhsct.reaches_end and bhsct.end_y == 0 and bhsct.label_y == 0
    assert lines["NHSCT"].points == [] and lines["NHSCT"].label_y is None
    region = lines[REGION]
    assert len(region.segments) == 2 and not region.reaches_end and region.end_y == 50
    # REGION (50%) and the baseline (55%) would collide: nudged a gap apart about their middle
    assert region.label_y == pytest.approx(52.5 - GAP / 2, abs=0.01)
    assert chart.baseline.y == 55 and chart.baseline.label_y == pytest.approx(
        52.5 + GAP / 2, abs=0.01
    )
    assert lines["XHSCT"].style == UNSTYLED
    assert chart.lines[-1].name == REGION  # drawn last, on top
    assert set(chart.markers) == {"circle", "ring", "cross"}  # NHSCT has no point to mark
    assert chart.periods == ["2024-25 Q3", "2024-25 Q4", "2025-26 Q1", "2025-26 Q2"]
    assert chart.unit_label == ""


def test_a_percent_chart_stays_within_0_and_100():
    chart = line_chart(
        "p",
        "Share",
        "...",
        [("2024-25", "Q1"), ("2024-25", "Q2")],
        [Series("BHSCT", [97.0, 99.5], ["97.0%", "99.5%"])],
        unit="percent",
    )
    values = [float(t) for t, _ in chart.y_ticks]
    assert values[-1] == 100 and values[0] >= 0 and chart.unit_label == "%"
    assert chart.baseline is None


def test_a_long_period_labels_at_most_eight_quarters_and_always_the_last():
    periods = [(f"20{y}-{y + 1}", f"Q{q}") for y in range(20, 24) for q in range(1, 5)][:13]
    chart = line_chart(
        "l", "t", "d", periods, [Series("BHSCT", [1.0] * 13, ["1"] * 13)], unit="mean"
    )
    assert len(chart.x_ticks) <= 8
    assert chart.x_ticks[-1].x == 100 and chart.x_ticks[-1].year == "2023-24"


# -- the pages ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(regional, tmp_path_factory):
    """Every kind of page the product writes, once: a published pack's report and gate report,
    a failed gate report (failed expectation, invalid data package, an audit that could not
    conclude) and the data pages. The pack's delivery leaves the usage log afterwards."""
    settings, _, _, _ = regional
    out = tmp_path_factory.mktemp("a11y")
    with connect(settings.warehouse, read_only=True) as con:
        [(period,)] = con.execute("select max(period) from marts.outcome1").fetchall()
    result = write_pack(settings, period, out_dir=out / "pack", consumer="test-a11y")
    assert result.ok, result.message
    first, *rest = result.gate.expectations
    failed = dataclasses.replace(
        result.gate,
        expectations=(dataclasses.replace(first, success=False, unexpected=3, rows=40), *rest),
        package=PackageValidation(
            valid=False,
            resources=(("outcome1", False, 40),),
            errors=(
                PackageError("outcome1", "type-error", "Type Error", "not a number", 7, "value"),
            ),
        ),
        audit=AuditBroken(reason="the published figures break a relation"),
    )
    failed_page = out / "gate_failed.html"
    failed_page.write_text(render_gate_report(failed, facts=None, run_at="2026-01-01T00:00:00"))
    data_pages = write_data_pages(settings, out / "data_pages")
    yield (
        {
            "report.html": result.out_dir / "report.html",
            "gate/report.html": result.gate.report_path,
            "gate_failed.html": failed_page,
            **{f"data_pages/{p.name}": p for p in data_pages},
        },
        result,
    )
    with connect(settings.warehouse) as con:
        con.execute("delete from usage.deliveries where out_dir = ?", [str(result.out_dir)])


@pytest.fixture(scope="module")
def trees(pages):
    paths, _ = pages
    return {name: parse(path.read_text(encoding="utf-8")) for name, path in paths.items()}


def test_every_kind_of_page_is_checked(pages):
    paths, _ = pages
    assert len(paths) == 3 + 7  # report, gate report passed and failed, index + 6 returns
    assert all(path.exists() for path in paths.values())


def _rows(table: Element) -> list[Element]:
    return [tr for body in table.elements if body.tag == "tbody" for tr in body.elements]


def test_every_table_has_a_caption_headers_and_a_labelled_region_to_scroll_in(trees):
    counted = 0
    for name, root in trees.items():
        ids = by_id(root)
        for table in root.iter("table"):
            counted += 1
            where = f"{name} table {table.attrs.get('id')}"
            caption = table.elements[0]
            assert caption.tag == "caption" and caption.text(), where
            region = table.parent
            assert region.attrs.get("role") == "region" and region.attrs.get("tabindex") == "0"
            assert ids[region.attrs["aria-labelledby"]] is caption, where
            for th in (th for head in table.iter("thead") for th in head.iter("th")):
                assert th.attrs.get("scope") == "col", where
            for tr in _rows(table):
                headers = [c for c in tr.elements if c.tag == "th"]
                assert [h.attrs.get("scope") for h in headers] == ["row"], where
                assert headers[0].text(), where
    assert counted > 40


def test_suppressed_figures_are_explained_in_words_beside_their_table(trees):
    root = trees["report.html"]
    ids = by_id(root)
    marked = 0
    for table in root.iter("table"):
        cells = [td for tr in _rows(table) for td in tr.elements if td.text() == CONFIDENTIAL]
        if cells:
            marked += 1
            note = ids[table.attrs["aria-describedby"]].text()
            assert note.startswith(f"{CONFIDENTIAL} suppressed to protect confidentiality"), note
            assert all("title" not in td.attrs for td in cells)  # no mouse-only tooltip
    assert marked > 1


def _csv(result) -> pl.DataFrame:
    return pl.concat(
        [
            pl.read_csv(result.out_dir / "csv" / f"outcome{o}.csv", infer_schema_length=None)
            for o in range(1, 5)
        ],
        how="diagonal_relaxed",
    )


def test_each_chart_is_named_by_its_title_and_its_figures_are_in_a_table(pages, trees):
    _, result = pages
    root = trees["report.html"]
    ids = by_id(root)
    frame = _csv(result)
    units = dict(
        pl.read_csv(result.out_dir / "csv" / "measures.csv")
        .select("measure_code", "unit")
        .iter_rows()
    )
    rows = {(r["measure_code"], r["org"], r["period"]): r for r in frame.iter_rows(named=True)}
    periods = sorted(frame["period"].unique())
    orgs = [REGION, *sorted(set(frame["org"]) - {REGION})]
    charts = [svg for svg in root.iter("svg") if svg.attrs.get("role") == "img"]
    assert len(charts) == len(result.measures)
    for svg in charts:
        assert "viewBox" not in svg.attrs  # text is not scaled with the chart's width
        title = ids[svg.attrs["aria-labelledby"]]
        assert title.tag == "title" and title.parent is svg
        assert 0 < len(title.text()) <= NAME_LIMIT
        description = ids[svg.attrs["aria-describedby"]]
        assert description.tag == "p" and "table below" in description.text()
        figure = svg.ancestor("figure")
        details = next(figure.iter("details"))
        table = next(details.iter("table"))
        code = next(figure.iter("code")).text()
        head = [th.text() for th in next(table.iter("thead")).iter("th")]
        assert head[0] == "Quarter" and set(orgs) <= set(head[1:])
        body = _rows(table)
        assert [tr.elements[0].text() for tr in body] == [periods_label(p) for p in periods]
        for tr, period in zip(body, periods, strict=True):
            shown = dict(zip(head[1:], (td.text() for td in tr.elements[1:]), strict=True))
            for org in orgs:
                row = rows.get((code, org, period))
                expected = (
                    NO_VALUE
                    if row is None
                    else CONFIDENTIAL
                    if row["suppressed"]
                    else fmt(row["value"], units[code])
                )
                assert shown[org] == expected, (code, org, period)
            region = [rows.get((code, REGION, p)) for p in periods]
            baseline = next(
                (r for r in reversed(region) if r and r["baseline_value"] is not None), None
            )
            if baseline is not None:
                assert shown[head[-1]] == fmt(baseline["baseline_value"], units[code])


def test_the_report_draws_with_the_checked_palette_and_a_marker_and_name_per_line(trees):
    root = trees["report.html"]
    for svg in (s for s in root.iter("svg") if s.attrs.get("role") == "img"):
        drawn = {
            group.attrs["data-series"]: group
            for group in svg.iter("g")
            if "series" in group.classes()
        }
        for name, group in drawn.items():
            style = SERIES_STYLES[name]
            assert group.attrs["stroke"] == group.attrs["fill"] == style.colour, name
            for use in group.iter("use"):
                assert use.attrs["href"].endswith(f"-{style.marker}"), name
        labels = {
            g.attrs["data-series"]: g
            for g in svg.iter("g")
            if "end-label" in g.classes() and "data-series" in g.attrs
        }
        marked = {name for name, group in drawn.items() if any(group.iter("use"))}
        assert set(labels) == marked  # every line with a point is named
        for name, label in labels.items():
            assert next(label.iter("text")).text() == name
            use = next(label.iter("use"))
            assert use.attrs["href"].endswith(f"-{SERIES_STYLES[name].marker}")
        ys = sorted(
            float(next(g.iter("text")).attrs["y"].rstrip("%"))
            for g in svg.iter("g")
            if "end-label" in g.classes()
        )
        assert all(b - a >= GAP - 0.02 for a, b in itertools.pairwise(ys)), ys


# -- in a browser ------------------------------------------------------------------------------


def _node_modules_current() -> bool:
    wanted = json.loads((BROWSER / "package.json").read_text())["dependencies"]
    for package, version in wanted.items():
        installed = BROWSER / "node_modules" / package / "package.json"
        if not installed.exists() or json.loads(installed.read_text())["version"] != version:
            return False
    return True


# A page that breaks what the checks look for, checked beside the product's pages: no lang,
# an image without a text alternative, grey on grey, 2000 px wide.
CONTROL_PAGE = """<!DOCTYPE html><html><head><title>control</title></head><body>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color: #aaaaaa; background: #bbbbbb">faint</p>
<div style="width: 2000px">wide</div></body></html>
"""


@pytest.fixture(scope="module")
def browser_run(pages, tmp_path_factory):
    """tests/browser/axe.js over every page and the control page, once (``npm ci`` first if
    its packages are not installed at the pinned versions)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None or not CHROMIUM.exists():
        why = f"needs node, npm and {CHROMIUM} (apt-get install nodejs npm chromium)"
        if os.environ.get("SWS_REQUIRE_BROWSER"):  # CI (.ci/run): the checks must run
            pytest.fail(why)
        pytest.skip(why)
    if not _node_modules_current():
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=BROWSER,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"npm ci in {BROWSER} failed:\n{done.stderr[-3000:]}"
    paths, _ = pages
    control = tmp_path_factory.mktemp("control") / "control.html"
    control.write_text(CONTROL_PAGE, encoding="utf-8")
    names = {str(path): name for name, path in {**paths, "control": control}.items()}
    done = subprocess.run(
        [node, str(BROWSER / "axe.js"), *names],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "CHROMIUM": str(CHROMIUM)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    return {names[page["page"]]: page for page in found["pages"]}


@pytest.fixture(scope="module")
def browser(browser_run):
    """What axe.js found on each of the product's pages."""
    return {name: page for name, page in browser_run.items() if name != "control"}


@pytest.mark.parametrize("width", ["320", "1280"])
def test_the_checks_find_what_is_wrong_with_a_bad_page(browser_run, width):
    control = browser_run["control"]
    found = {v["id"] for v in control["axe"][width]["violations"]}
    assert {"html-has-lang", "image-alt", "color-contrast"} <= found
    assert control["widths"][width]["scrollWidth"] > int(width)


@pytest.mark.parametrize("width", ["320", "640", "1280"])
def test_axe_finds_no_wcag_a_or_aa_violation_on_any_page(browser, width):
    assert len(browser) == 10
    violations = {
        name: [
            f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][:3]}"
            for v in page["axe"][width]["violations"]
        ]
        for name, page in browser.items()
    }
    assert violations == {name: [] for name in browser}
    assert all(page["axe"][width]["version"] == "4.14.1" for page in browser.values())


@pytest.mark.parametrize("width", ["320", "640", "1280"])
def test_no_page_scrolls_sideways(browser, width):
    wide = {
        name: page["widths"][width]["scrollWidth"]
        for name, page in browser.items()
        if page["widths"][width]["scrollWidth"] > int(width)
    }
    assert wide == {}


def test_chart_text_keeps_its_size_as_the_page_narrows(browser):
    sizes = {w: browser["report.html"]["widths"][w]["chartText"] for w in ("320", "640", "1280")}
    assert sizes["1280"]["min"] >= 12
    for width in ("320", "640"):
        assert sizes[width]["min"] == pytest.approx(sizes["1280"]["min"], rel=0.01), sizes


def test_every_chart_is_named_by_its_title_alone_and_described(browser, trees):
    charts = browser["report.html"]["charts"]
    assert len(charts) == sum(
        1 for s in trees["report.html"].iter("svg") if s.attrs.get("role") == "img"
    )
    for chart in charts:
        assert chart["role"] == "image"
        assert chart["name"] == chart["labelledby"][0] and len(chart["labelledby"]) == 1
        assert 0 < len(chart["name"]) <= NAME_LIMIT
        assert "table below" in chart["description"]


def test_every_table_and_every_chart_s_figures_are_reached_from_the_keyboard(browser, trees):
    for name, page in browser.items():
        stops = page["keyboard"]
        regions = {
            div.attrs["aria-labelledby"]
            for div in trees[name].iter("div")
            if div.attrs.get("role") == "region"
        }
        assert {s["labelledby"] for s in stops if s["role"] == "region"} == regions, name
        summaries = [s for s in stops if s["summary"]]
        assert len(summaries) == page["details"], name
        assert all(s["opened"] for s in summaries), name
    assert browser["report.html"]["details"] == browser["report.html"]["charts"].__len__() > 0
