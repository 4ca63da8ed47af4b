"""Workbooks for Trust analysts: every text written as text (never a formula, a number or a
link, whatever it starts with) and made safe for whoever saves the sheet as CSV
(``pipelines.safe_text``), tables with a bold frozen header and filters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from pipelines.safe_text import safe_cell

HEADER = {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}
WRAPPED = {"text_wrap": True, "valign": "top"}
# Excel's own "Bad" cell style: what an analyst recognises as "look here"
FAILING = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}


def new_book(path: Path) -> xlsxwriter.Workbook:
    return xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )


def write_text(sheet: Worksheet, row: int, column: int, value, cell_format=None) -> None:
    """A value as a spreadsheet cell: numbers as numbers, anything else as text, None blank."""
    if value is None or value == "":
        if cell_format is not None:
            sheet.write_blank(row, column, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_string(row, column, str(value).lower(), cell_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, cell_format)
    else:
        sheet.write_string(row, column, safe_cell(str(value)), cell_format)


def write_table(
    book: xlsxwriter.Workbook,
    sheet: Worksheet,
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    top: int = 0,
    widths: Sequence[int] | None = None,
) -> int:
    """A table from row ``top``: header frozen and filtered; returns the number of rows."""
    header = book.add_format(HEADER)
    wrapped = book.add_format(WRAPPED)
    for index, name in enumerate(columns):
        sheet.write_string(top, index, name, header)
        if widths is not None:
            sheet.set_column(index, index, widths[index], wrapped)
    count = 0
    for count, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            write_text(sheet, top + count, index, value)
    sheet.freeze_panes(top + 1, 0)
    sheet.autofilter(top, 0, top + max(count, 1), len(columns) - 1)
    return count
