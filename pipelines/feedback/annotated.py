"""A Trust's own return, annotated: the copy an analyst fixes in Excel and submits again.

The first sheet holds the return's rows as submitted: the header names as written and every
value as the text the Trust sent (written as text: a leading zero or a date stays as it was,
and nothing becomes a formula; not quoted by ``pipelines.safe_text`` either, unlike every
other sheet the product writes, because the fixed file must resubmit the Trust's values
unchanged). Each failing cell is filled red and carries a comment: the rule
in plain words and what would pass (``contracts.explain``), never the value itself. The second
sheet counts the failures by column and rule. When the file comes back only its first sheet is
read (``contracts.readers``) and fills and comments are not data, so once the marked cells are
fixed it validates clean as it is. A refused file gets a one-sheet workbook saying why.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

import polars as pl

from contracts.explain import REFUSED, explain
from contracts.files import RefusedFile, ReturnFile, parse_name
from contracts.limits import EXCEL_MAX_ROWS
from contracts.readers import column_name, read_as_written
from pipelines.feedback.sheets import FAILING, HEADER, WRAPPED, new_book, write_table
from pipelines.safe_text import safe_cell

RETURN_SHEET = "return"
SUMMARY_SHEET = "failures by rule"
SHOWN_ROWS = 50  # row numbers listed per rule on the summary sheet


class TooLargeToAnnotate(Exception):
    """The return has more rows than a worksheet holds."""


def write_annotated(
    out: Path,
    source: Path,
    *,
    file_name: str,
    failures: pl.DataFrame,
    refused: str | None = None,
) -> None:
    """Write the annotated copy of the return ``file_name`` (its bytes at ``source``).

    ``failures`` has the validator's ``row``, ``column`` and ``rule`` (values are not used);
    ``refused`` is the reason a whole file was refused, if it was.
    """
    try:
        file = parse_name(Path(file_name))
    except RefusedFile as error:
        write_refused(out, file_name, refused or str(error))
        return
    if refused:
        write_refused(out, file_name, refused)
        return
    header, frame = read_as_written(dataclasses.replace(file, path=source))
    if frame.height > EXCEL_MAX_ROWS - 1:  # the header takes a row
        raise TooLargeToAnnotate(
            f"{file_name}: {frame.height} rows, more than a worksheet holds; "
            "use the failures list (`sws failures --xlsx`)"
        )
    book = new_book(out)
    _return_sheet(book, file, header, frame, failures)
    _summary_sheet(book, file, header, frame.height, failures)
    book.close()


def write_refused(out: Path, file_name: str, reason: str) -> None:
    """A one-sheet workbook: the file was refused, why, and what would pass."""
    book = new_book(out)
    sheet = book.add_worksheet("refused")
    bold = book.add_format({"bold": True, "font_size": 13})
    label = book.add_format(HEADER)
    wrapped = book.add_format(WRAPPED)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 90, wrapped)
    sheet.write_string(0, 0, "This file was refused: nothing of it was loaded.", bold)
    what = explain("", None, REFUSED)
    for row, (name, text) in enumerate(
        (("file", file_name), ("why", reason), ("what passes", what.what_passes)), start=2
    ):
        sheet.write_string(row, 0, name, label)
        sheet.write_string(row, 1, safe_cell(text))
    book.close()


def _failing_cells(
    header: list[str | None], failures: pl.DataFrame
) -> dict[tuple[int, int], list[str]]:
    """(sheet row, column position) -> the rules the cell breaks, in order."""
    positions = {column_name(str(h)): i for i, h in enumerate(header) if h is not None}
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    for row, column, rule in failures.select("row", "column", "rule").iter_rows():
        cell = (row - 1, positions[column])  # spreadsheet row 2 is sheet row 1
        if rule not in cells[cell]:
            cells[cell].append(rule)
    return cells


def _return_sheet(book, file: ReturnFile, header, frame: pl.DataFrame, failures) -> None:
    sheet = book.add_worksheet(RETURN_SHEET)
    heading = book.add_format(HEADER)
    failing = book.add_format(FAILING)
    for index, name in enumerate(header):
        if name is not None:
            sheet.write_string(0, index, name, heading)
        sheet.set_column(index, index, min(max(len(name or ""), 10) + 2, 40))
    cells = _failing_cells(header, failures)
    for row, values in enumerate(frame.iter_rows(), start=1):
        for column, value in enumerate(values):
            if (row, column) in cells:
                _write(sheet, row, column, value, failing)
            elif value is not None:
                sheet.write_string(row, column, value)
    for (row, column), rules in cells.items():
        column_named = column_name(str(header[column]))
        comment = "\n".join(
            f"[{rule}] {explain(file.collection, column_named, rule, file.period).sentence()}"
            for rule in rules
        )
        sheet.write_comment(row, column, comment, {"x_scale": 3, "y_scale": 1.5 * len(rules)})
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(frame.height, 1), max(len(header), 1) - 1)
    sheet.activate()


def _write(sheet, row: int, column: int, value: str | None, cell_format) -> None:
    if value is None:
        sheet.write_blank(row, column, None, cell_format)  # an empty required cell: marked
    else:
        sheet.write_string(row, column, value, cell_format)


def _listed(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:SHOWN_ROWS])
    return shown + (f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else "")


def _summary_sheet(book, file: ReturnFile, header, rows: int, failures: pl.DataFrame) -> None:
    sheet = book.add_worksheet(SUMMARY_SHEET)
    failed = failures["row"].n_unique()
    next_name = f"{file.collection}_{file.org}_{file.period}_v{file.version + 1}.xlsx"
    sheet.write_string(
        0,
        0,
        f"{file.path.name}: {rows} rows, {failed} failing. Fix the cells marked red on the "
        f"'{RETURN_SHEET}' sheet (each comment says what is wrong and what passes), then submit "
        f"this workbook as {next_name}. Only the first sheet is read; this one is ignored.",
    )
    order = {column_name(str(h)): i for i, h in enumerate(header) if h is not None}
    grouped = (
        failures.group_by("column", "rule")
        .agg(pl.col("row").unique().sort())
        .sort(pl.col("column").replace_strict(order, default=len(order)), "rule")
    )
    table = []
    for column, rule, failing_rows in grouped.iter_rows():
        text = explain(file.collection, column, rule, file.period)
        table.append(
            (
                column,
                rule,
                text.plain_words,
                text.what_passes,
                len(failing_rows),
                _listed(failing_rows),
            )
        )
    write_table(
        book,
        sheet,
        ("column", "rule", "what is wrong", "what passes", "rows failing", "rows"),
        table,
        top=2,
        widths=(18, 22, 45, 45, 12, 40),
    )
