"""The pack's workbook, ``odb_extract_<P>.xlsx``, laid out as the Analysis Function's
"Releasing statistics in spreadsheets" asks, by gptables (on xlsxwriter).

Sheets: ``cover``, ``contents``, ``notes``, ``summary``, ``outcome1`` ... ``outcome4``. Each
table stands alone on its sheet under its title rows, with nothing below it and no blank or
merged cell inside it: a gap holds a shorthand (``symbols``), ``[c]`` for a suppressed figure.
Numbers are stored as numbers and text as text (never a formula or a link). After gptables lays
the sheets out, the xlsxwriter page setup makes them print legibly: landscape, fit to width,
header rows repeated.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import gptables as gpt
import pandas as pd
import polars as pl
from gptables.core.gptable import FormatList

from pipelines.extract.disclosure import MART_COLUMNS, REGION, Thresholds
from pipelines.extract.facts import PackFacts
from pipelines.extract.report import OUTCOMES, periods_label
from pipelines.extract.symbols import CONFIDENTIAL, MEANINGS, NOT_APPLICABLE, NOT_AVAILABLE

SHEETS = (
    "cover",
    "contents",
    "notes",
    "summary",
    "outcome1",
    "outcome2",
    "outcome3",
    "outcome4",
)
# text stays text: no "=..." formula, no "http://..." link, no "1e3" number from a string
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
FIGURES = ("numerator", "denominator", "value")
NUMBER_FORMATS = {
    "count": "#,##0",
    "percent": "0.0",
    "mean": "0.00",
    "median": "0.0",
}
UNIT_LABELS = {
    "count": "number",
    "sum": "number",
    "percent": "percent",
    "mean": "mean",
    "median": "median",
}
LEGEND = [f"{symbol} = {meaning.split(':')[0]}" for symbol, meaning in MEANINGS.items()]
NOTES_WIDTHS = (14, 48, 110)  # note number, topic, text (the text wraps)
# gptheme's font sizes (points) and the row height (points) a line of each needs
TITLE_SIZE, SUBTITLE_SIZE, BODY_SIZE = 16, 14, 12
LINE_HEIGHTS = {TITLE_SIZE: 21.0, SUBTITLE_SIZE: 18.75, BODY_SIZE: 15.75}


def write_workbook(
    path: Path,
    rows: pl.DataFrame,
    catalog: pl.DataFrame,
    versions: pl.DataFrame,
    *,
    facts: PackFacts,
    thresholds: Thresholds,
    orgs: Sequence[str],
) -> None:
    """The workbook of the pack's rows (disclosed, every period up to ``facts.period``)."""
    tables = {
        "notes": notes_table(catalog, versions, facts=facts, thresholds=thresholds),
        "summary": summary_table(rows, catalog, period=facts.period, orgs=orgs),
    }
    for name in SHEETS[4:]:
        tables[name] = outcome_table(rows.filter(pl.col("outcome") == int(name[-1])), name, facts)
    sheets = {"contents": contents_table(tables), **tables}
    cover_page = cover(facts)
    with warnings.catch_warnings():
        # the notes sheet is ours (a GPTable), not gptables' numbered notes_table; and
        # gptables' own use of pandas is not the reader's concern
        warnings.filterwarnings("ignore", message="No note text provided")
        warnings.filterwarnings("ignore", module=r"gptables\.")
        book = gpt.produce_workbook(
            filename=str(path),
            sheets=sheets,
            theme=theme(),
            cover=cover_page,
            contentsheet_label=None,
            auto_width=False,  # widths of our own (page_setup): gptables' leave no gap
            workbook_options=WORKBOOK_OPTIONS,
        )
    book.set_properties(
        {
            "title": f"ODB extract pack {facts.period}",
            "subject": "Social Work Outcomes (E-Framework): outcome measures",
            "author": "Social Work Outcomes Warehouse",
            "comments": f"Data as at {facts.data_as_at_text}",
        }
    )
    page_setup(book, sheets, cover_page)
    book.close()


def theme() -> gpt.Theme:
    """gptables' own theme, with wrapped cells aligned to the top of their row."""
    out = copy.deepcopy(gpt.gptheme)
    for update in (
        out.update_data_format,
        out.update_index_1_format,
        out.update_index_2_format,
        out.update_index_3_format,
    ):
        update({"valign": "top"})
    return out


def header_row(gptable: gpt.GPTable) -> int:
    """The 0-based worksheet row of a table's column headings (under its title rows)."""
    return gptable.data_range[0]


def page_setup(book: Any, sheets: Mapping[str, gpt.GPTable], cover_page: gpt.Cover) -> None:
    """Print setup gptables leaves alone: A4 landscape, fit to one page wide, the header row
    repeated on every page, a footer naming sheet and page; the header row frozen on screen.
    Row heights: xlsxwriter cannot autofit a row and LibreOffice keeps the default height, so
    rows of large or wrapped text get the height their lines need."""
    for sheet in book.worksheets():
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        sheet.set_footer("&L&A&RPage &P of &N")
        sheet.set_default_row(LINE_HEIGHTS[BODY_SIZE])
        gptable = sheets.get(sheet.get_name())
        if gptable is None:
            continue
        top = header_row(gptable)
        for col, width in enumerate(column_widths(gptable.table)):
            sheet.set_column(col, col, width)
        sheet.repeat_rows(top)
        if sheet.get_name() == "summary" or sheet.get_name().startswith("outcome"):
            sheet.freeze_panes(top + 1, 0)
        sheet.set_row(0, LINE_HEIGHTS[TITLE_SIZE])
        sheet.set_row(top, 2 * LINE_HEIGHTS[BODY_SIZE])  # headings wrap on two lines
        for row in range(1, 1 + len(gptable.subtitles)):
            sheet.set_row(row, LINE_HEIGHTS[SUBTITLE_SIZE])
    cover_sheet = book.get_worksheet_by_name(cover_page.cover_label)
    for row, (text, size) in enumerate(_cover_lines(cover_page)):
        cover_sheet.set_row(row, _height(text, cover_page.width, size))
    notes = book.get_worksheet_by_name("notes")
    for col, width in enumerate(NOTES_WIDTHS):
        notes.set_column(col, col, width)
    table = sheets["notes"].table
    for offset, (topic, text) in enumerate(zip(table["Topic"], table["Note text"], strict=True)):
        height = max(_height(topic.string, NOTES_WIDTHS[1]), _height(text.string, NOTES_WIDTHS[2]))
        notes.set_row(header_row(sheets["notes"]) + 1 + offset, height)


def _text(cell: Any) -> str:
    if isinstance(cell, FormatList):
        return cell.string
    if isinstance(cell, dict):  # a link: its text
        return str(next(iter(cell)))
    return str(cell)


def column_widths(frame: pd.DataFrame, most: int = 60) -> list[float]:
    """Column widths (in Excel's character units) that fit each column's cells and its heading
    (bold, on up to two lines) in gptheme's 12-point Arial, with a gap, up to ``most``."""
    widths = []
    for name in frame.columns:
        words = str(name).split()
        heading = max(max(len(w) for w in words), math.ceil(len(str(name)) / 2))
        longest = max([heading * 1.1, *(len(_text(c)) for c in frame[name])])
        widths.append(min(math.ceil(longest * 1.2) + 2, most))
    return widths


def unit_formats(units: Sequence[str]) -> list[dict]:
    """gptables formatting: each row's figures in its measure's number format (the columns
    after the row's labels; ``units`` in row order). A sum (WTE, indicator counts) keeps the
    general format: whole or not, it shows as it is."""
    rows: dict[str, list[int]] = {}
    for offset, unit in enumerate(units, start=1):  # row 0 holds the headings
        rows.setdefault(unit, []).append(offset)
    return [
        {
            "row": {
                "rows": at,
                "format": {"num_format": NUMBER_FORMATS[unit]},
                "include_names": False,  # not the row's labels
            }
        }
        for unit, at in rows.items()
        if unit in NUMBER_FORMATS
    ]


def text_indent(frame: pd.DataFrame) -> list[dict]:
    """gptables formatting: the text columns indented, so that a text column does not run
    into the right-aligned numbers on its left."""
    text = [c for c in frame.columns if all(isinstance(v, str | FormatList) for v in frame[c])]
    return [{"column": {"columns": text, "format": {"indent": 1}, "include_names": True}}]


def _cover_lines(cover_page: gpt.Cover) -> list[tuple[str, int]]:
    """The cover's rows as gptables writes them (``GPWorksheet.write_cover``), with font size."""
    lines = [(cover_page.title, TITLE_SIZE)]
    for heading, texts in (
        ("Introductory information", cover_page.intro),
        ("About these data", cover_page.about),
        ("Contact", cover_page.contact),
    ):
        if texts:
            lines.append((heading, SUBTITLE_SIZE))
            lines += [(getattr(t, "string", t), BODY_SIZE) for t in texts]
    return lines


def _height(text: str, width: float, size: int = BODY_SIZE) -> float:
    """Row height (points) for ``text`` wrapped in a column ``width`` characters wide."""
    per_line = max(1, int(width * 0.95 * 11 / size))
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    return lines * LINE_HEIGHTS[size]


def _literal(text: str) -> FormatList:
    """Text gptables writes as it is: one rich-text run, so no "[text](url)" in it becomes a
    link and no "$$ref$$" a note mark (the workbook options keep "=..." from a formula)."""
    return FormatList([{}, text])


def cover(facts: PackFacts) -> gpt.Cover:
    period = periods_label(facts.period)
    intro = [
        f"Outcome measures of the E-Framework for social work in Northern Ireland, for the "
        f"Outcomes Delivery Board: every measure of the four outcomes for {period}, by Trust "
        "and for the region, with each measure's baseline and change from it, and every "
        f"period from {periods_label(facts.periods[0])} to {period}.",
        f"Period: {period}",
        f"Periods included: {facts.periods_text}",
        f"Data as at: {facts.data_as_at_text} (the latest load of the returns used)",
        f"Built: {facts.built_at}",
        f"Prepared for: {facts.consumer}",
    ]
    about = [
        "Source: the Social Work Outcomes Warehouse, outcome marts built from the five HSC "
        "Trusts' returns (Star, ASCOT, DSF, RAW, workforce, indicators). Regional figures are "
        "computed from the pooled records of all Trusts, not averaged.",
        "What the pack holds: this workbook (the contents sheet lists its sheets); csv/ with "
        "outcome1.csv to outcome4.csv (the rows of the outcome sheets, suppressed figures "
        "empty) and measures.csv (the measure catalogue); datapackage.json (a Frictionless "
        "Data Package describing the CSV files); report.html (the board's report); "
        "gate/report.html (the validation gate and disclosure audit); SHA256SUMS.",
        f"Suppressed figures are shown as {CONFIDENTIAL} (confidential); the notes sheet "
        "explains every shorthand and the disclosure control rules.",
    ]
    return gpt.Cover(
        title=f"Social Work Outcomes: ODB extract pack, {period}",
        intro=[_literal(line) for line in intro],
        about=[_literal(line) for line in about],
        contact=[_literal(facts.contact)],
        cover_label="cover",
        width=110,
    )


def contents_table(tables: Mapping[str, gpt.GPTable]) -> gpt.GPTable:
    described = {
        "cover": "Title, period, data as at, source, contact and what the pack holds",
        "notes": "Shorthand, disclosure control rules and audit, definitions of the measures, "
        "returns and versions used",
        "summary": "Every measure for the period by Trust and for the region, with the "
        "region's baseline and change from it",
    }
    labels = ["cover", *tables]
    frame = pd.DataFrame(
        {
            "Sheet name": [{label: f"internal:'{label}'!A1"} for label in labels],
            "Sheet description": [
                _literal(described.get(label) or tables[label].title) for label in labels
            ],
        },
        dtype=object,
    )
    return gpt.GPTable(
        table=frame,
        table_name="contents_table",
        title="Contents",
        instructions="This worksheet contains one table. Select a sheet name to go to it.",
        index_columns={2: 0},
    )


def _short_names(catalog: pl.DataFrame) -> dict[str, str]:
    """measure_code -> short name (the code itself where the catalog has none)."""
    codes = catalog["measure_code"].to_list()
    names = (
        catalog["short_name"].to_list() if "short_name" in catalog.columns else [None] * len(codes)
    )
    return {code: (name or code) for code, name in zip(codes, names, strict=True)}


def _number_or(value: float | None, gap: str) -> float | str:
    return gap if value is None else value


def summary_table(
    rows: pl.DataFrame, catalog: pl.DataFrame, *, period: str, orgs: Sequence[str]
) -> gpt.GPTable:
    """One row per measure with a row in ``period``: its value per org and REGION's baseline
    and change (as report.html shows it)."""
    current = rows.filter(pl.col("period") == period)
    now = {(r["measure_code"], r["org"]): r for r in current.iter_rows(named=True)}
    present = {code for code, _ in now}
    hidden_baselines = _hidden_baselines(rows)
    names = _short_names(catalog)
    lines = []
    for measure in catalog.iter_rows(named=True):
        code = measure["measure_code"]
        if code not in present:
            continue
        line: dict[str, Any] = {
            "Outcome": int(measure["outcome"]),
            "Measure": _literal(names[code]),
            "Measure code": code,
            "Unit": UNIT_LABELS.get(measure["unit"], measure["unit"]),
        }
        for org in orgs:
            row = now.get((code, org))
            line[org] = (
                NOT_AVAILABLE
                if row is None
                else CONFIDENTIAL
                if row["suppressed"]
                else _number_or(row["value"], NOT_APPLICABLE)
            )
        region = now.get((code, REGION))
        if region is None:
            baseline = {c: NOT_AVAILABLE for c in ("baseline_value", "change_from_baseline")}
        else:
            baseline = _gaps(region, baseline_hidden=(code, REGION) in hidden_baselines)
        line["REGION baseline period"] = (region or {}).get("baseline_period") or NOT_APPLICABLE
        line["REGION baseline"] = baseline["baseline_value"]
        line["REGION change from baseline"] = baseline["change_from_baseline"]
        lines.append(line)
    frame = pd.DataFrame(lines, dtype=object)
    units = [m["unit"] for m in catalog.iter_rows(named=True) if m["measure_code"] in present]
    return gpt.GPTable(
        table=frame,
        # outcome > measure > code label each row; the figures of a row share its unit's format
        index_columns={1: 0, 2: 1, 3: 2},
        additional_formatting=text_indent(frame) + unit_formats(units),
        table_name="summary_table",
        title=f"Summary: every measure for {periods_label(period)}, by Trust and for the region, "
        "with the region's baseline and change from it",
        subtitles=[
            "Short measure names; the notes sheet defines each measure by its code. The outcome "
            "sheets hold every figure of every period."
        ],
        legend=LEGEND,
        source="Source: Social Work Outcomes Warehouse, outcome marts (disclosure control applied)",
    )


def _hidden_baselines(rows: pl.DataFrame) -> set[tuple[str, str]]:
    """(measure, org) whose baseline figure disclosure control hid (rule 5)."""
    hidden = rows.filter((pl.col("period") == pl.col("baseline_period")) & pl.col("suppressed"))
    return set(zip(hidden["measure_code"], hidden["org"], strict=True))


def _gaps(row: dict, *, baseline_hidden: bool) -> dict[str, float | str | bool]:
    """A row's figures with each empty one replaced by the shorthand saying why."""
    out: dict[str, float | str | bool] = {}
    for column in FIGURES:
        out[column] = CONFIDENTIAL if row["suppressed"] else _number_or(row[column], NOT_APPLICABLE)
    before_baseline = row["baseline_period"] is None or row["period"] < row["baseline_period"]
    if row["baseline_value"] is not None:
        out["baseline_value"] = row["baseline_value"]
    elif before_baseline:
        out["baseline_value"] = NOT_APPLICABLE
    else:
        out["baseline_value"] = CONFIDENTIAL if baseline_hidden else NOT_AVAILABLE
    change = row["change_from_baseline"]
    if change is not None:
        out["change_from_baseline"] = change
    elif row["suppressed"] or (baseline_hidden and not before_baseline):
        out["change_from_baseline"] = CONFIDENTIAL
    elif before_baseline or row["value"] is None:
        out["change_from_baseline"] = NOT_APPLICABLE
    else:
        out["change_from_baseline"] = NOT_AVAILABLE
    return out


def outcome_cells(rows: pl.DataFrame) -> pd.DataFrame:
    """The mart columns of ``rows`` as the workbook shows them: numbers, text, booleans, and a
    shorthand in every empty cell (``[c]`` where disclosure control hid the figure)."""
    hidden_baselines = _hidden_baselines(rows)
    lines = []
    for row in rows.select(MART_COLUMNS).iter_rows(named=True):
        hidden = (row["measure_code"], row["org"]) in hidden_baselines
        line = row | _gaps(row, baseline_hidden=hidden)
        line["baseline_period"] = row["baseline_period"] or NOT_APPLICABLE
        lines.append(line)
    return pd.DataFrame(lines, columns=list(MART_COLUMNS), dtype=object)


def outcome_table(rows: pl.DataFrame, name: str, facts: PackFacts) -> gpt.GPTable:
    outcome = int(name[-1])
    title = (
        f"Outcome {outcome}: {OUTCOMES.get(outcome, '')}: every measure by organisation and "
        f"period, {facts.periods_text}"
    )
    if rows.is_empty():  # gptables refuses an empty table: say why there are no rows
        frame = pd.DataFrame(
            {
                "Note": [
                    f"No rows: no return behind outcome {outcome} was loaded up to {facts.period}."
                ]
            }
        )
    else:
        frame = outcome_cells(rows)
    return gpt.GPTable(
        table=frame,
        table_name=f"{name}_table",
        additional_formatting=text_indent(frame),
        title=title,
        subtitles=[
            f"The same rows as csv/{name}.csv, with the mart columns; the notes sheet defines "
            "each measure by its code."
        ],
        legend=LEGEND,
        source="Source: Social Work Outcomes Warehouse, outcome marts (disclosure control applied)",
    )


def notes_table(
    catalog: pl.DataFrame, versions: pl.DataFrame, *, facts: PackFacts, thresholds: Thresholds
) -> gpt.GPTable:
    notes: list[tuple[str, str]] = [("Shorthand", f"{s} {m}") for s, m in MEANINGS.items()]
    notes += [("Disclosure control", rule) for rule in thresholds.rules()]
    notes.append(("Disclosure audit", facts.audit or "The disclosure audit was not run."))
    notes += [
        ("Period", f"{facts.period}; periods included {facts.periods_text}"),
        ("Data as at", f"{facts.data_as_at_text} (the latest load of the returns used)"),
        ("Built", facts.built_at),
    ]
    names = _short_names(catalog)
    for m in catalog.iter_rows(named=True):
        controlled = str(m["disclosure_control"]).lower() == "true"
        notes.append(
            (
                f"Definition: {m['measure_code']}",
                f"{names[m['measure_code']]} (outcome {m['outcome']}, {m['oba_type']}, "
                f"{m['unit']}, from the {m['source_collection']} return, disclosure control "
                f"{'applied' if controlled else 'not applied'}): {m['definition']}",
            )
        )
    for v in versions.iter_rows(named=True):
        notes.append(
            (
                "Return used",
                f"{v['collection']} {v['org']} {v['period']} version {v['version']}: file "
                f"{v['file_name']}, received {v['received_at']}, loaded {v['loaded_at']}; "
                f"{v['rows']} rows, {v['loaded']} loaded, {v['quarantined']} quarantined; "
                f"sha256 {v['sha256']}",
            )
        )
    frame = pd.DataFrame(
        {
            "Note number": list(range(1, len(notes) + 1)),
            "Topic": [_literal(topic) for topic, _ in notes],
            "Note text": [_literal(text) for _, text in notes],
        },
        dtype=object,
    )
    return gpt.GPTable(
        table=frame,
        table_name="notes_table",
        title="Notes",
        instructions="This worksheet contains one table: the shorthand used in the tables, "
        "the disclosure control rules and audit, the measures' definitions and the returns "
        "used.",
    )
