"""Why a file could not be read, in our own words.

A reader's own error may quote the data it choked on (polars quotes a whole unterminated
row, identifiers included), and a refusal is stored, logged and printed. So no reader's
message is passed on: a refusal says where (line, field) and what went wrong, never what the
file holds (returns.md, Files). For a CSV the fault is found again by a plain reader that
stops at the first one; this runs only for a file already refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

# a quote inside a value that does not start with one: "ab"c or ab"c
STRAY_QUOTE = re.compile(r'(?:^|,)(?:[^",\r\n]+"|"(?:[^"]|"")*"[^",\r\n])')


def unreadable(file_format: str, data: bytes) -> str:
    """The reason a file of ``file_format`` could not be parsed, naming no value in it."""
    if file_format == "csv":
        return f"unreadable CSV file: {csv_fault(data)}"
    if file_format == "xlsx":
        return (
            "unreadable XLSX file: not an Excel workbook, or a damaged or incomplete one "
            "(save it again from Excel as .xlsx)"
        )
    return "unreadable PARQUET file: not Parquet, or a damaged or incomplete file"


def csv_fault(data: bytes) -> str:
    """Where and what the first fault of a CSV is: line (the header is line 1) and field."""
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return f"line {line}: not UTF-8 text (save it as CSV UTF-8)"
    if "\x00" in text:
        return f"line {text.count(chr(10), 0, text.index(chr(0))) + 1}: a NUL byte (not text)"
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width, line = None, 1
    try:
        for record in reader:
            if width is None:
                width = len(record)
            elif len(record) > width:
                return f"line {line}: {len(record)} fields where the header has {width}"
            line = reader.line_num + 1
    except csv.Error as error:
        return _quote_fault(str(error), line, reader.line_num)
    for number, text_line in enumerate(text.splitlines(), start=1):
        found = STRAY_QUOTE.search(text_line)
        if found:
            start = found.start() + found.group().startswith(",")
            field = text_line.count(",", 0, start) + 1
            return f'line {number}, field {field}: a quote (") inside a value not quoted whole'
    return "malformed CSV records (check quotes and separators)"


def _quote_fault(message: str, start: int, end: int) -> str:
    """csv's errors name no value: turn the two that matter into plain words."""
    if "unexpected end of data" in message:
        return f"line {start}: a quoted value is never closed (a missing closing quote)"
    if "expected after" in message:
        return f"line {end}: text after a closing quote (quote the whole value)"
    return f"line {end}: a malformed record"
