"""Read a return (CSV, XLSX first sheet, Parquet) as text columns with normalised headers."""

from __future__ import annotations

import polars as pl
import pyarrow.parquet as pq

from contracts.files import RefusedFile, ReturnFile


def read_return(file: ReturnFile) -> pl.DataFrame:
    """Every column as text, header trimmed and lower-cased, values trimmed, blanks empty."""
    if file.path.stat().st_size == 0:
        raise RefusedFile("empty file: not even a header row")
    try:
        header = _HEADERS[file.format](file)
        frame = _READERS[file.format](file)
    except Exception as error:  # a reader's own error says best what is wrong
        raise RefusedFile(f"unreadable {file.format.upper()} file: {_first_line(error)}") from error
    _refuse_repeated(header)
    return _normalise(frame)


def _refuse_repeated(header: list[str | None]) -> None:
    """Readers rename a repeated column (``x_duplicated_0``, ``x_1``): look at the names given."""
    names = [_column_name(str(name)) for name in header if name is not None]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise RefusedFile(f"duplicate column {', '.join(repeated)} (names ignore case)")


def _column_name(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _read_csv(file: ReturnFile) -> pl.DataFrame:
    # utf8 decoding drops a leading BOM; infer_schema=False keeps every value as written.
    return pl.read_csv(file.path, infer_schema=False, encoding="utf8", raise_if_empty=True)


def _read_xlsx(file: ReturnFile) -> pl.DataFrame:
    frame = pl.read_excel(file.path, sheet_id=1, engine="calamine", infer_schema_length=0)
    return _as_text(frame)


def _read_parquet(file: ReturnFile) -> pl.DataFrame:
    return _as_text(pl.read_parquet(file.path))


def _csv_header(file: ReturnFile) -> list[str | None]:
    first = pl.read_csv(file.path, has_header=False, n_rows=1, infer_schema=False)
    return list(first.row(0)) if first.height else []


def _xlsx_header(file: ReturnFile) -> list[str | None]:
    first = pl.read_excel(
        file.path, sheet_id=1, engine="calamine", has_header=False, read_options={"n_rows": 1}
    )
    return [None if v is None else str(v) for v in first.row(0)] if first.height else []


def _parquet_header(file: ReturnFile) -> list[str | None]:
    return list(pq.read_schema(file.path).names)


_READERS = {"csv": _read_csv, "xlsx": _read_xlsx, "parquet": _read_parquet}
_HEADERS = {"csv": _csv_header, "xlsx": _xlsx_header, "parquet": _parquet_header}


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed columns to the text a CSV would hold (dates ISO; booleans cast as true/false)."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            column = column.dt.strftime("%Y-%m-%d")
        columns.append(column.cast(pl.String).alias(name))
    return frame.select(columns)


def _normalise(frame: pl.DataFrame) -> pl.DataFrame:
    names = [_column_name(name) for name in frame.columns]
    text = pl.col(pl.String).str.strip_chars()
    frame = frame.rename(dict(zip(frame.columns, names, strict=True))).with_columns(
        pl.when(text == "").then(None).otherwise(text).name.keep()
    )
    return _without_trailing_blank_rows(frame)


def _without_trailing_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Blank lines at the end of a file are not records (blank rows inside it still are)."""
    if frame.width == 0:
        return frame
    filled = frame.select(pl.any_horizontal(pl.all().is_not_null()).alias("filled"))["filled"]
    last = filled.arg_true().max()
    return frame.head(0 if last is None else last + 1)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
