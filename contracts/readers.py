"""Read a return (CSV, XLSX first sheet, Parquet) as text columns with normalised headers."""

from __future__ import annotations

import csv
import io

import polars as pl
from polars.exceptions import PanicException

from contracts.files import RefusedFile, ReturnFile
from contracts.landed import named_bytes
from contracts.limits import Limits, Unreadable, parquet_file
from contracts.unreadable import unreadable

# A reader fails on a broken file with its own error, or a panic in its Rust code (polars,
# calamine): either way the file is refused, in our words.
READ_ERRORS = (Exception, PanicException)


def read_return(
    file: ReturnFile,
    data: bytes | None = None,
    limits: Limits | None = None,
    types: dict[str, pl.DataType] | None = None,
) -> pl.DataFrame:
    """Every column as text, header trimmed and lower-cased, values trimmed, blanks empty.

    ``data``: the file's bytes, read already (default: read ``file.path``, a regular file);
    ``limits``: refuse a file over them before parsing it. ``types``: columns (by their
    name as matched) a CSV is read as, if every value of them reads so; else all as text.
    """
    data = named_bytes(file.path, digest=False).data if data is None else data
    if not data:
        raise RefusedFile("empty file: not even a header row")
    try:
        if limits is not None:
            limits.check(file.format, data)
        header, frame = _READERS[file.format](data, types=types)
    except RefusedFile:
        raise
    except (Unreadable, *READ_ERRORS):
        # never the reader's message: it may quote the data (from None: nor its traceback)
        raise RefusedFile(unreadable(file.format, data)) from None
    _refuse_repeated(header)
    names = [column_name(name) for name in frame.columns]
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    return _without_trailing_blank_rows(frame)


def read_as_written(file: ReturnFile) -> tuple[list[str | None], pl.DataFrame]:
    """The header as written and every value as text, untrimmed: the file as its Trust sees
    it (an annotated copy writes it back). Column i of the frame is header[i]."""
    data = named_bytes(file.path, digest=False).data
    if not data:
        raise RefusedFile("empty file: not even a header row")
    try:
        return _READERS[file.format](data, trim=False)
    except READ_ERRORS:
        raise RefusedFile(unreadable(file.format, data)) from None


def _refuse_repeated(header: list[str | None]) -> None:
    """Readers rename a repeated column (``x_duplicated_0``, ``x_1``): look at the names given."""
    names = [column_name(str(name)) for name in header if name is not None]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise RefusedFile(f"duplicate column {', '.join(repeated)} (names ignore case)")


def column_name(name: str) -> str:
    """A header name as the contracts match it: trimmed, without a BOM, in lower case."""
    return name.strip().lstrip("\ufeff").strip().lower()


# Each reader gives the header as written (readers rename a repeated column) and the frame,
# its values trimmed and blanks empty.


def _read_csv(
    data: bytes, *, trim: bool = True, types: dict[str, pl.DataType] | None = None
) -> tuple[list[str | None], pl.DataFrame]:
    header = _csv_header(data)
    frame = _typed_csv(data, header, types) if types else None
    if frame is None:
        # utf8 decoding drops a leading BOM; infer_schema=False keeps every value as written.
        frame = pl.read_csv(data, infer_schema=False, encoding="utf8", raise_if_empty=True)
    return header, frame if not trim or _plain_csv(data) else _trimmed(frame)


def _typed_csv(
    data: bytes, header: list[str | None], types: dict[str, pl.DataType]
) -> pl.DataFrame | None:
    """The CSV with ``types``' columns read as those types, or None if a value does not read
    so (the caller reads it as text, to report that value as written). A number the reader
    takes is one the text's own parser takes (tests/test_typed_read.py)."""
    overrides = {
        name: types[column_name(name)] for name in header if name and column_name(name) in types
    }
    if not overrides or len(set(header)) < len(header):
        return None
    try:
        return pl.read_csv(
            data,
            infer_schema=False,
            schema_overrides=overrides,
            encoding="utf8",
            raise_if_empty=True,
        )
    except READ_ERRORS:
        return None


def _csv_header(data: bytes) -> list[str | None]:
    """The first record only; empty names as None, as polars reads an empty field."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    return [name or None for name in next(csv.reader(text), [])]


def _plain_csv(data: bytes) -> bool:
    """No value can need trimming or be empty text: ASCII with no white space but newlines and
    no quotes. Looking for a few bytes costs far less than looking at every value."""
    return data.isascii() and not any(byte in data for byte in b' \t\r\x0b\x0c"')


def _read_xlsx(
    data: bytes,
    *,
    trim: bool = True,
    types: dict | None = None,  # read as text all the same
) -> tuple[list[str | None], pl.DataFrame]:
    first = pl.read_excel(
        data, sheet_id=1, engine="calamine", has_header=False, read_options={"n_rows": 1}
    )
    header = [None if v is None else str(v) for v in first.row(0)] if first.height else []
    frame = pl.read_excel(data, sheet_id=1, engine="calamine", infer_schema_length=0)
    return header, _trimmed(_as_text(frame)) if trim else _as_text(frame)


def _read_parquet(
    data: bytes,
    *,
    trim: bool = True,
    types: dict | None = None,  # read as text all the same
) -> tuple[list[str | None], pl.DataFrame]:
    # metadata by pyarrow; the data by polars, which raises on a damaged page where pyarrow
    # may abort the whole process
    header = list(parquet_file(data).schema_arrow.names)
    _refuse_repeated(header)  # polars would refuse to read it, naming the column its own way
    frame = _as_text(pl.read_parquet(io.BytesIO(data)))
    return header, _trimmed(frame) if trim else frame


_READERS = {"csv": _read_csv, "xlsx": _read_xlsx, "parquet": _read_parquet}


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed columns to the text a CSV would hold (dates ISO; booleans cast as true/false)."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            column = column.dt.strftime("%Y-%m-%d")
        columns.append(column.cast(pl.String).alias(name))
    return frame.select(columns)


def _trimmed(frame: pl.DataFrame) -> pl.DataFrame:
    """Values trimmed, blanks empty: only in the columns that need it (finding them is much
    cheaper than rewriting every column)."""
    text = pl.col(pl.String)
    needs = frame.select(((text.str.strip_chars() != text) | (text == "")).any())
    untrimmed = [name for name, series in needs.to_dict().items() if series.item()]
    if not untrimmed:
        return frame
    trimmed = pl.col(untrimmed).str.strip_chars()
    return frame.with_columns(pl.when(trimmed == "").then(None).otherwise(trimmed).name.keep())


def _without_trailing_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Blank lines at the end of a file are not records (blank rows inside it still are)."""
    if frame.width == 0 or frame.height == 0 or any(v is not None for v in frame.row(-1)):
        return frame  # the usual case, seen from the last row alone
    last = _filled(frame).arg_true().max()
    return frame.head(0 if last is None else last + 1)


def _filled(frame: pl.DataFrame) -> pl.Series:
    return frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
