"""The pack's workbook, ``odb_extract_<P>.xlsx``, written for people.

Sheets ``outcome1`` ... ``outcome4`` (the mart columns; a bold, filled, frozen header row with
filters; numbers stored as numbers, formatted by the measure's unit; suppressed figures shown
as ``*`` with a footnote under the table) and ``notes`` (period, data as at, sources, the
disclosure rules with their thresholds, the returns and versions used, every measure's
definition).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.extract.disclosure import MART_COLUMNS, Thresholds

HEADER_FILL = "#005EB8"
VALUE_FORMATS = {
    "count": "#,##0",
    "sum": "#,##0.0#",
    "percent": "0.0",
    "mean": "0.00",
    "median": "0.0#",
}
FIGURE_COLUMNS = ("numerator", "denominator", "value")
FOOTNOTE = (
    "* Suppressed to protect confidentiality (disclosure control): the value, numerator and "
    "denominator are not shown. The rules are in the notes sheet. An empty cell means no figure "
    "(e.g. a share with nothing to divide by)."
)


def write_workbook(
    path: Path,
    tables: Mapping[str, pl.DataFrame],
    catalog: pl.DataFrame,
    versions: pl.DataFrame,
    *,
    period: str,
    periods: Sequence[str],
    consumer: str,
    thresholds: Thresholds,
    built_at: str,
    data_as_at: str | None,
) -> None:
    units = dict(zip(catalog["measure_code"], catalog["unit"], strict=True))
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "nan_inf_to_errors": True})
    book.set_properties(
        {
            "title": f"ODB extract pack {period}",
            "subject": "Social Work Outcomes (E-Framework): outcome measures",
            "author": "Social Work Outcomes Warehouse",
            "comments": f"Prepared for {consumer}; data as at {data_as_at or 'unknown'}",
        }
    )
    formats = _formats(book)
    for name, table in tables.items():
        _outcome_sheet(book.add_worksheet(name), table, units, formats)
    _notes_sheet(
        book.add_worksheet("notes"),
        catalog,
        versions,
        formats,
        period=period,
        periods=periods,
        consumer=consumer,
        thresholds=thresholds,
        built_at=built_at,
        data_as_at=data_as_at,
    )
    book.close()


def _formats(book) -> dict:
    base = {"font_name": "Arial", "font_size": 10}
    formats = {
        "header": book.add_format(
            base
            | {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": HEADER_FILL,
                "border": 1,
                "text_wrap": True,
                "valign": "top",
            }
        ),
        "text": book.add_format(base),
        "int": book.add_format(base | {"num_format": "0"}),
        "general": book.add_format(base | {"num_format": "General"}),
        "suppressed": book.add_format(base | {"align": "right", "bold": True}),
        "footnote": book.add_format(base | {"italic": True}),
        "title": book.add_format(base | {"bold": True, "font_size": 14}),
        "heading": book.add_format(base | {"bold": True, "font_size": 11, "bottom": 1}),
        "key": book.add_format(base | {"bold": True, "valign": "top"}),
        "wrap": book.add_format(base | {"text_wrap": True, "valign": "top"}),
        "datetime": book.add_format(base | {"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    for unit, number_format in VALUE_FORMATS.items():
        formats[unit] = book.add_format(base | {"num_format": number_format})
    return formats


def _outcome_sheet(sheet, table: pl.DataFrame, units: dict, formats: dict) -> None:
    columns = list(MART_COLUMNS)
    widths = [len(c) + 2 for c in columns]
    sheet.set_row(0, 30)
    for col, name in enumerate(columns):
        sheet.write_string(0, col, name, formats["header"])
    for r, row in enumerate(table.iter_rows(named=True), start=1):
        unit = units.get(row["measure_code"], "sum")
        for col, name in enumerate(columns):
            value = row[name]
            text = _write_cell(sheet, r, col, name, value, row["suppressed"], unit, formats)
            widths[col] = max(widths[col], len(text) + 2)
    last = table.height
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(last, 1), len(columns) - 1)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width, 9), 48))
    sheet.write_string(last + 2, 0, FOOTNOTE, formats["footnote"])


def _write_cell(sheet, r, col, name, value, suppressed, unit, formats) -> str:
    if suppressed and name in FIGURE_COLUMNS:
        sheet.write_string(r, col, "*", formats["suppressed"])
        return "*"
    if value is None:
        sheet.write_blank(r, col, None, formats["text"])
        return ""
    if name == "suppressed":
        sheet.write_boolean(r, col, bool(value), formats["text"])
        return "FALSE"
    if name == "outcome":
        sheet.write_number(r, col, value, formats["int"])
        return str(value)
    if isinstance(value, int | float):
        number_format = formats[unit] if name in ("value", "baseline_value") else None
        if name == "change_from_baseline":
            number_format = formats[unit]
        sheet.write_number(r, col, value, number_format or formats["general"])
        return f"{value:,.2f}"
    sheet.write_string(r, col, str(value), formats["text"])
    return str(value)


def _notes_sheet(
    sheet,
    catalog: pl.DataFrame,
    versions: pl.DataFrame,
    formats: dict,
    *,
    period: str,
    periods: Sequence[str],
    consumer: str,
    thresholds: Thresholds,
    built_at: str,
    data_as_at: str | None,
) -> None:
    widths = [38, 11, 12, 10, 34, 20, 20, 70, 10, 12, 66]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    last_col = len(widths) - 1
    sheet.write_string(0, 0, f"ODB extract pack: Social Work Outcomes, {period}", formats["title"])
    facts = [
        ("Period", period),
        ("Periods included", f"{periods[0]} to {periods[-1]}" if periods else period),
        ("Prepared for", consumer),
        ("Built at", built_at),
        ("Data as at", f"{data_as_at or 'unknown'} (latest load of the returns listed below)"),
        (
            "Source",
            "Social Work Outcomes Warehouse: the outcome marts (outcome1 to outcome4), built "
            "from the Trusts' returns (Star, ASCOT, DSF, RAW, workforce, indicators) listed "
            "below; measures defined in the measures table below. REGION is computed from the "
            "pooled records of all Trusts, not as an average of Trust figures.",
        ),
        (
            "Files",
            f"odb_extract_{period}.xlsx (this workbook), csv/outcome1.csv to outcome4.csv (the "
            "same rows; suppressed figures empty, suppressed = true), report.html, gate/ (the "
            "validation gate's result), SHA256SUMS.",
        ),
        ("Suppressed figures", FOOTNOTE),
    ]
    row = 2
    for key, text in facts:
        sheet.write_string(row, 0, key, formats["key"])
        sheet.merge_range(row, 1, row, last_col, text, formats["wrap"])
        sheet.set_row(row, 15 * max(1, len(text) // 150 + 1))
        row += 1
    row += 1
    sheet.write_string(row, 0, "Disclosure control", formats["heading"])
    row += 1
    for rule in thresholds.rules():
        sheet.merge_range(row, 0, row, last_col, rule, formats["wrap"])
        sheet.set_row(row, 15 * max(1, len(rule) // 170 + 1))
        row += 1
    row += 1
    sheet.write_string(row, 0, "Returns and versions used", formats["heading"])
    row += 1
    row = _table(sheet, row, versions, formats)
    row += 1
    sheet.write_string(row, 0, "Measures", formats["heading"])
    row += 1
    measure_columns = [
        "measure_code",
        "outcome",
        "oba_type",
        "unit",
        "direction_of_good",
        "source_collection",
        "disclosure_control",
        "definition",
    ]
    _table(sheet, row, catalog.select(measure_columns), formats)


def _table(sheet, row: int, frame: pl.DataFrame, formats: dict) -> int:
    for col, name in enumerate(frame.columns):
        sheet.write_string(row, col, name, formats["header"])
    row += 1
    for values in frame.iter_rows():
        for col, value in enumerate(values):
            if value is None:
                sheet.write_blank(row, col, None, formats["text"])
            elif isinstance(value, bool):
                sheet.write_boolean(row, col, value, formats["text"])
            elif isinstance(value, int | float):
                sheet.write_number(row, col, value, formats["general"])
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(row, col, value, formats["datetime"])
            else:
                sheet.write_string(row, col, str(value), formats["wrap"])
        row += 1
    return row
