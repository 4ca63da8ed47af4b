"""'What happens to your data': one plain-language page per return, for social workers.

``write_data_pages(settings, out_dir)`` writes ``what_happens_<collection>.html`` for every
collection of the catalog plus ``index.html``: static, self-contained HTML (inline CSS, no
scripts, no external links), from the same lineage and cull report as ``sws cull-report``.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from contracts.periods import Period
from pipelines.extract.report import OUTCOMES
from pipelines.settings import Settings

from .graph import Lineage
from .report import SEEDS_DIR, CatalogItem, cull_report, item_lineage, read_catalog, read_usage

INDEX = "index.html"

COLLECTIONS = {
    "star": (
        "Outcomes Star readings",
        "the Outcomes Star readings you complete with the people you support: a score from "
        "1 to 10 for each area of their life, at each reading.",
    ),
    "ascot": (
        "ASCOT assessments",
        "Adult Social Care Outcomes Toolkit assessments: how the person rates eight areas "
        "of their quality of life and, in an interview, how they would be without services.",
    ),
    "dsf": (
        "Delegated Statutory Functions",
        "the statutory events you are responsible for (case conferences, reviews, "
        "investigations, assessments) and the dates each one started, was due and was "
        "completed.",
    ),
    "raw": (
        "RAW relationship questionnaires",
        "the Real, Authentic, Warm questionnaires a young person (and you) fill in about "
        "your working relationship: twelve questions scored 0 to 4.",
    ),
    "workforce": (
        "Social work workforce snapshot",
        "your Trust's list of social work post holders at the end of each quarter: role, "
        "band, hours, sickness and recruitment.",
    ),
    "indicators": (
        "Aggregate indicators",
        "a handful of totals a regional or Trust lead compiles each quarter, such as the "
        "number of social workers leading quality improvement work.",
    ),
}

ITEM_LABELS = {
    "hcn": "Health and Care Number",
    "worker_id": "Staff number",
    "birth_year": "Year of birth",
    "lgd_code": "Local Government District",
    "programme_of_care": "Programme of care",
    "wte": "Whole-time equivalent (WTE)",
    "aye": "Assessed Year in Employment (AYE)",
    "star_version": "Star version",
    "area_code": "Star area",
    "item_code": "RAW question",
    "function_code": "Statutory function",
    "event_id": "Event reference",
    "reading_id": "Reading reference",
    "assessment_id": "Assessment reference",
    "response_id": "Questionnaire reference",
    "indicator_code": "Indicator",
    "note": "Note",
}

ITEM_TEXT = {
    "hcn": "The person's Health and Care Number. It is replaced by a code that cannot be "
    "traced back to them as soon as the return arrives; the number itself is never stored.",
    "worker_id": "Your staff number. It is replaced by a code as soon as the return arrives; "
    "the number itself is never stored.",
}

VERDICT_TEXT = {
    "used": "In use: figures built from it were sent to the Outcomes Delivery Board in the "
    "last year.",
    "unread": "It feeds figures, but none of them has been sent to anyone in the last year.",
    "unused": "No published figure uses it at present.",
}

CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#212b32;background:#f0f4f5;margin:0;
line-height:1.5;font-size:17px}
main{max-width:960px;margin:0 auto;padding:24px 20px 48px;background:#fff}
header{background:#005eb8;color:#fff;padding:20px}
header .inner{max-width:960px;margin:0 auto}
header a{color:#fff}
h1{font-size:30px;margin:4px 0 8px}h2{font-size:24px;margin:36px 0 8px}
h3{font-size:20px;margin:0 0 6px}
.lede{font-size:19px}
.summary{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.summary div{flex:1 1 180px;border-left:6px solid #005eb8;background:#f0f4f5;padding:10px 14px}
.summary strong{display:block;font-size:26px}
table{border-collapse:collapse;width:100%;margin:12px 0;font-size:15px}
th,td{text-align:left;padding:8px;border-bottom:1px solid #d8dde0;vertical-align:top}
th{background:#f0f4f5}
td.num,th.num{text-align:right;white-space:nowrap}
.item{border:1px solid #d8dde0;border-left:8px solid #768692;padding:14px 18px;margin:16px 0}
.item.used{border-left-color:#007f3b}.item.unread{border-left-color:#ffb81c}
.item.unused{border-left-color:#d5281b}
.code{font-family:Consolas,monospace;font-size:14px;color:#4c6272}
.tag{display:inline-block;padding:2px 8px;font-size:14px;font-weight:bold;margin-left:6px}
.tag.cull{background:#d5281b;color:#fff}.tag.law{background:#330072;color:#fff}
.tag.keep{background:#007f3b;color:#fff}
dl{margin:8px 0}dt{font-weight:bold;margin-top:8px}dd{margin:2px 0 0 0}
ul{margin:4px 0;padding-left:22px}
.muted{color:#4c6272;font-size:15px}
footer{max-width:960px;margin:0 auto;padding:16px 20px;color:#4c6272;font-size:14px}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _plain(text: str) -> str:
    """Documentation text without markdown backticks or hard line breaks."""
    return " ".join(text.replace("`", "").split())


def item_label(item: str) -> str:
    return ITEM_LABELS.get(item, item.replace("_", " ").capitalize())


def read_measure_catalog(path: Path = SEEDS_DIR / "measures.csv") -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return {row["measure_code"]: row for row in csv.DictReader(f)}


def hours_text(hours: float) -> str:
    """A recording time as a person says it: '45 minutes', 'about 3.6 hours', '120 hours'."""
    if hours <= 0:
        return "no time recorded in the last year"
    minutes = hours * 60
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"about {round(minutes)} minute{'s' if round(minutes) != 1 else ''}"
    if hours < 10:
        return f"about {hours:.1f} hours"
    days = hours / 7.5
    return f"about {round(hours):,} hours (around {days:,.0f} working days)"


def date_text(value: dt.datetime | None) -> str:
    return f"{value.day} {value:%B %Y}" if value is not None else ""


def window_text(periods: Sequence[str]) -> str:
    if not periods:
        return "no returns have been loaded yet"
    first, last = Period.parse(periods[-1]), Period.parse(periods[0])
    return (
        f"{date_text(dt.datetime.combine(first.first_day, dt.time()))} to "
        f"{date_text(dt.datetime.combine(last.last_day, dt.time()))} "
        f"({first} to {last})"
    )


def _page(title: str, body: str, *, back: bool) -> str:
    link = f'<p><a href="{INDEX}">&larr; All returns</a></p>' if back else ""
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><div class="inner">{link}<p>What happens to your data</p>'
        f"<h1>{_e(title)}</h1></div></header>\n<main>\n{body}\n</main>\n"
        "<footer>Produced by the Social Work Outcomes Warehouse from the way the published "
        "figures are actually calculated and from the record of reports sent. "
        "Recording times are estimates per record, summed over every Trust.</footer>\n"
        "</body>\n</html>\n"
    )


def _item_card(
    entry: CatalogItem,
    row: dict,
    lineage: Lineage,
    measures: dict[str, dict],
) -> str:
    reached = lineage.reaches(entry.collection, entry.item)
    what = ITEM_TEXT.get(entry.item) or _plain(
        lineage.descriptions.get((entry.collection, entry.item), "")
    )
    parts = [
        f'<section class="item {row["verdict"]}" id="{_e(entry.item)}">',
        f'<h3>{_e(item_label(entry.item))} <span class="code">{_e(entry.item)}</span>',
    ]
    if row["recommend_cull"]:
        parts.append('<span class="tag cull">Could stop collecting</span>')
    if row["verdict"] == "used":
        parts.append('<span class="tag keep">In use</span>')
    if entry.statutory:
        parts.append('<span class="tag law">Required by law</span>')
    parts.append("</h3>")
    if what:
        parts.append(f"<p>{_e(what)}</p>")
    parts.append("<dl><dt>Which figures use it</dt><dd>")
    if reached:
        parts.append("<ul>")
        for code in reached:
            info = measures.get(code, {})
            outcome = OUTCOMES.get(int(info.get("outcome", 0) or 0), "")
            parts.append(
                f"<li>{_e(info.get('definition', code))} "
                f'<span class="muted">(Outcome {_e(info.get("outcome", ""))}: '
                f'{_e(outcome.lower())}; <span class="code">{_e(code)}</span>)</span></li>'
            )
        parts.append("</ul>")
    else:
        parts.append(
            "None. What you record here is checked when the return arrives, but no published "
            "figure is calculated from it."
        )
    parts.append("</dd><dt>Which reports include those figures</dt><dd>")
    exposures = lineage.exposures_of(reached)
    if exposures:
        parts.append("<ul>")
        for name in exposures:
            exposure = lineage.exposures[name]
            parts.append(
                f"<li>{_e(exposure.label)}, for the {_e(exposure.owner or 'its owner')}</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("None.")
    parts.append("</dd><dt>When it was last used</dt><dd>")
    if row["last_used"] is not None:
        parts.append(f"Last sent in a report on {_e(date_text(row['last_used']))}. ")
    elif reached:
        parts.append("No report using it has been sent yet. ")
    parts.append(f"{_e(VERDICT_TEXT[row['verdict']])}</dd>")
    parts.append("<dt>Could it stop being collected?</dt><dd>")
    if row["recommend_cull"]:
        parts.append(
            "Yes, it is a candidate for review: it is not required by law and no report sent "
            "in the last year depends on it. This is a recommendation to look at, not a "
            "decision."
        )
    elif entry.statutory:
        parts.append(
            "No. The law requires it to be recorded (statutory reporting), whether or not a "
            "figure uses it."
        )
    else:
        parts.append("No. Figures sent to the Board in the last year depend on it.")
    parts.append("</dd><dt>How much recording time it costs</dt><dd>")
    parts.append(
        f"{_e(hours_text(row['burden_hours_per_year']).capitalize())} a year across all "
        f"Trusts, at about {_e(_seconds_text(entry.seconds_per_row))} per record "
        f'<span class="muted">({_e(entry.seconds_basis)})</span>.</dd></dl></section>'
    )
    return "".join(parts)


def _seconds_text(seconds: float) -> str:
    if seconds >= 60:
        minutes = seconds / 60
        return f"{minutes:g} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def collection_page(
    collection: str,
    catalog: Sequence[CatalogItem],
    report: pl.DataFrame,
    lineage: Lineage,
    measures: dict[str, dict],
    periods: Sequence[str],
) -> str:
    title, about = COLLECTIONS.get(collection, (collection, ""))
    entries = [e for e in catalog if e.collection == collection]
    rows = {
        r["item"]: r
        for r in report.filter(pl.col("collection") == collection).iter_rows(named=True)
    }
    used = sum(rows[e.item]["verdict"] == "used" for e in entries)
    feeding = sum(rows[e.item]["verdict"] != "unused" for e in entries)
    candidates = [e for e in entries if rows[e.item]["recommend_cull"]]
    total = sum(rows[e.item]["burden_hours_per_year"] for e in entries)
    saving = sum(rows[e.item]["burden_hours_per_year"] for e in candidates)
    statutory = any(e.statutory for e in entries)
    body = [
        f'<p class="lede">This return records {_e(about)}</p>',
        f"<p>It asks for {len(entries)} items. Below, for each one: which published figures "
        "are calculated from it, which reports carry those figures, when it was last used, "
        "whether it could stop being collected, and how much time recording it takes. "
        f"\u201cThe last year\u201d means {_e(window_text(periods))}.</p>",
    ]
    if statutory:
        body.append(
            "<p>The law requires this return (statutory reporting): none of its items is "
            "proposed for culling, even where no figure uses it.</p>"
        )
    body.append('<div class="summary">')
    body.append(f"<div><strong>{feeding} of {len(entries)}</strong>items feed a figure</div>")
    body.append(f"<div><strong>{used}</strong>items used in a report in the last year</div>")
    body.append(f"<div><strong>{len(candidates)}</strong>items could stop being collected</div>")
    body.append(
        f"<div><strong>{total:,.1f} h</strong>recording time a year ({saving:,.1f} h on items "
        "that could stop)</div>"
    )
    body.append("</div>")
    body.append(
        "<table><thead><tr><th>Item</th><th>Figures</th><th>Last used</th>"
        '<th>Could stop?</th><th class="num">Hours a year</th></tr></thead><tbody>'
    )
    for entry in entries:
        row = rows[entry.item]
        stop = "Yes" if row["recommend_cull"] else ("No (law)" if entry.statutory else "No")
        body.append(
            f'<tr><td><a href="#{_e(entry.item)}">{_e(item_label(entry.item))}</a></td>'
            f"<td>{len(lineage.reaches(collection, entry.item))}</td>"
            f"<td>{_e(date_text(row['last_used']) or 'never')}</td><td>{stop}</td>"
            f'<td class="num">{row["burden_hours_per_year"]:,.1f}</td></tr>'
        )
    body.append("</tbody></table>")
    body.append("<h2>Item by item</h2>")
    for entry in entries:
        body.append(_item_card(entry, rows[entry.item], lineage, measures))
    return _page(f"{title}: what happens to your data", "\n".join(body), back=True)


def index_page(catalog: Sequence[CatalogItem], report: pl.DataFrame, periods: Sequence[str]) -> str:
    collections = list(dict.fromkeys(e.collection for e in catalog))
    body = [
        '<p class="lede">Every item you record in a return costs time. These pages show, '
        "for every item of every return, what it is used for: the published figures "
        "calculated from it, the reports those figures go into, when it was last used, and "
        "whether it could stop being collected.</p>",
        f"<p>\u201cThe last year\u201d is {_e(window_text(periods))}. An item "
        "<strong>could stop being collected</strong> when no report sent in that year "
        "depends on it and the law does not require it. That is a recommendation to review, "
        "not a decision.</p>",
        '<table><thead><tr><th>Return</th><th class="num">Items</th>'
        '<th class="num">Used in a report</th><th class="num">Could stop</th>'
        '<th class="num">Hours a year</th><th class="num">Hours that could stop</th></tr>'
        "</thead><tbody>",
    ]
    for collection in collections:
        rows = report.filter(pl.col("collection") == collection)
        title = COLLECTIONS.get(collection, (collection, ""))[0]
        candidates = rows.filter(pl.col("recommend_cull"))
        body.append(
            f'<tr><td><a href="what_happens_{_e(collection)}.html">{_e(title)}</a></td>'
            f'<td class="num">{rows.height}</td>'
            f'<td class="num">{rows.filter(pl.col("verdict") == "used").height}</td>'
            f'<td class="num">{candidates.height}</td>'
            f'<td class="num">{rows["burden_hours_per_year"].sum():,.1f}</td>'
            f'<td class="num">{candidates["burden_hours_per_year"].sum():,.1f}</td></tr>'
        )
    body.append("</tbody></table>")
    return _page("Your returns", "\n".join(body), back=False)


def write_data_pages(
    settings: Settings,
    out_dir: Path | None = None,
    *,
    lineage: Lineage | None = None,
    report: pl.DataFrame | None = None,
) -> list[Path]:
    """Write the index and one page per collection; returns the paths written (index first).

    Default folder: ``$SWS_HOME/data_pages``.
    """
    out_dir = Path(out_dir) if out_dir is not None else settings.home / "data_pages"
    lineage = lineage or item_lineage(settings)
    report = report if report is not None else cull_report(settings, lineage=lineage)
    periods = read_usage(settings).periods
    catalog = read_catalog()
    measures = read_measure_catalog()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / INDEX]
    written[0].write_text(index_page(catalog, report, periods), encoding="utf-8")
    for collection in dict.fromkeys(e.collection for e in catalog):
        path = out_dir / f"what_happens_{collection}.html"
        page = collection_page(collection, catalog, report, lineage, measures, periods)
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written
