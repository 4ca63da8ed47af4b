"""Text a spreadsheet cannot take for a formula: the one guard for every CSV and workbook the
product writes (OWASP, "CSV Injection").

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (a tab or carriage return first can hide one), and a value from a return, a
file name or a consumer's name can start so: ``=HYPERLINK(...)`` in a quarantined value
would become a live link in the failures CSV. Such text gets a leading single quote, which a
spreadsheet shows as text; a value that is a number as a whole (``-3.5``, ``+12``, ``1e-3``)
is left alone: it is data, and runs nothing.

- CSV: ``safe_frame(frame).write_csv(...)`` (text columns only; numbers, dates untouched).
- One value: ``safe_cell(text)``.
- XLSX (xlsxwriter): write text with ``write_string``, never ``write``, which makes a
  formula of text starting with ``=``; and pass it through ``safe_cell`` too, for whoever
  saves the sheet as CSV.
"""

from __future__ import annotations

import re

import polars as pl

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER = re.compile(NUMBER)


def safe_cell(text: str | None) -> str | None:
    """``text`` with a leading ``'`` if a spreadsheet would take it for a formula."""
    if text and text.startswith(FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text column made safe by ``safe_cell``."""
    text = pl.col(pl.String)
    risky = text.str.contains(r"^[=+\-@\t\r]")
    return frame.with_columns(
        pl.when(risky & ~text.str.contains(NUMBER)).then("'" + text).otherwise(text).name.keep()
    )
