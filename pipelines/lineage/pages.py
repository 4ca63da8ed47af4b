"""'What happens to your data': one plain-language page per return, for social workers.

``write_data_pages(settings, out_dir)`` writes ``what_happens_<collection>.html`` for every
collection of the catalog plus ``index.html``: static, self-contained HTML (inline CSS, no
scripts, no external links), from the same lineage and cull report as ``sws cull-report``.
The pages are the templates in ``templates/``; this module gathers what they show.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from contracts.periods import Period
from pipelines.extract.report import DIMENSION_LABELS, OUTCOMES
from pipelines.settings import Settings
from pipelines.templating import render

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


def _seconds_text(seconds: float) -> str:
    if seconds >= 60:
        minutes = seconds / 60
        return f"{minutes:g} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def _item_view(entry: CatalogItem, row: dict, lineage: Lineage, measures: dict) -> dict:
    reached = lineage.reaches(entry.collection, entry.item)
    what = ITEM_TEXT.get(entry.item) or _plain(
        lineage.descriptions.get((entry.collection, entry.item), "")
    )
    return {
        "item": entry.item,
        "label": item_label(entry.item),
        "what": what,
        "statutory": entry.statutory,
        "verdict": row["verdict"],
        "verdict_text": VERDICT_TEXT[row["verdict"]],
        "recommend_cull": row["recommend_cull"],
        "could_stop": "Yes" if row["recommend_cull"] else ("No (law)" if entry.statutory else "No"),
        "last_used": date_text(row["last_used"]),
        "hours": row["burden_hours_per_year"],
        "hours_text": hours_text(row["burden_hours_per_year"]).capitalize(),
        "seconds_text": _seconds_text(entry.seconds_per_row),
        "seconds_basis": entry.seconds_basis,
        "measures": [_measure_view(code, measures) for code in reached],
        "reports": [
            {"label": e.label, "owner": e.owner or "its owner"}
            for e in map(lineage.exposures.get, lineage.exposures_of(reached))
        ],
    }


def _measure_view(code: str, measures: dict[str, dict]) -> dict:
    """A measure, or a breakdown (``<code>/<dimension>``: the measure by the dimension)."""
    measure, _, dimension = code.partition("/")
    info = measures.get(measure, {})
    definition = info.get("definition", measure)
    if dimension:
        label = DIMENSION_LABELS.get(dimension, dimension).lower()
        definition = f"{definition}, for the region by {label}"
    outcome = info.get("outcome", "")
    return {
        "code": code,
        "definition": definition,
        "outcome": outcome,
        "outcome_name": OUTCOMES.get(int(outcome or 0), "").lower(),
    }


def collection_page(
    collection: str,
    catalog: Sequence[CatalogItem],
    report: pl.DataFrame,
    lineage: Lineage,
    measures: dict[str, dict],
    periods: Sequence[str],
) -> str:
    title, about = COLLECTIONS.get(collection, (collection, ""))
    rows = {
        r["item"]: r
        for r in report.filter(pl.col("collection") == collection).iter_rows(named=True)
    }
    entries = [e for e in catalog if e.collection == collection]
    items = [_item_view(e, rows[e.item], lineage, measures) for e in entries]
    return render(
        __package__,
        "collection.html.j2",
        title=f"{title}: what happens to your data",
        back=True,
        about=about,
        window=window_text(periods),
        statutory=any(e.statutory for e in entries),
        items=items,
        feeding=sum(i["verdict"] != "unused" for i in items),
        used=sum(i["verdict"] == "used" for i in items),
        candidates=sum(i["recommend_cull"] for i in items),
        hours=sum(i["hours"] for i in items),
        candidate_hours=sum(i["hours"] for i in items if i["recommend_cull"]),
    )


def index_page(catalog: Sequence[CatalogItem], report: pl.DataFrame, periods: Sequence[str]) -> str:
    returns = []
    for collection in dict.fromkeys(e.collection for e in catalog):
        rows = report.filter(pl.col("collection") == collection)
        candidates = rows.filter(pl.col("recommend_cull"))
        returns.append(
            {
                "page": f"what_happens_{collection}.html",
                "title": COLLECTIONS.get(collection, (collection, ""))[0],
                "item_count": rows.height,
                "used": rows.filter(pl.col("verdict") == "used").height,
                "candidates": candidates.height,
                "hours": rows["burden_hours_per_year"].sum(),
                "candidate_hours": candidates["burden_hours_per_year"].sum(),
            }
        )
    return render(
        __package__,
        "index.html.j2",
        title="Your returns",
        back=False,
        window=window_text(periods),
        returns=returns,
    )


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
