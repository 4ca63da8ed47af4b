"""Read a return (CSV, XLSX first sheet, Parquet) as text columns with normalised headers."""

from __future__ import annotations

import polars as pl

from contracts.files import RefusedFile, ReturnFile


def read_return(file: ReturnFile) -> pl.DataFrame:
    """Every column as text, header trimmed and lower-cased, values trimmed, blanks empty."""
    if file.path.stat().st_size == 0:
        raise RefusedFile("empty file: not even a header row")
    try:
        frame = _READERS[file.format](file)
    except RefusedFile:
        raise
    except Exception as error:  # a reader's own error says best what is wrong
        raise RefusedFile(f"unreadable {file.format.upper()} file: {_first_line(error)}") from error
    return _normalise(frame)


def _read_csv(file: ReturnFile) -> pl.DataFrame:
    # utf8 decoding drops a leading BOM; infer_schema=False keeps every value as written.
    return pl.read_csv(file.path, infer_schema=False, encoding="utf8", raise_if_empty=True)


def _read_xlsx(file: ReturnFile) -> pl.DataFrame:
    frame = pl.read_excel(file.path, sheet_id=1, engine="calamine", infer_schema_length=0)
    return _as_text(frame)


def _read_parquet(file: ReturnFile) -> pl.DataFrame:
    return _as_text(pl.read_parquet(file.path))


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


def _normalise(frame: pl.DataFrame) -> pl.DataFrame:
    names = [name.strip().lstrip("\ufeff").strip().lower() for name in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise RefusedFile(f"duplicate column {', '.join(duplicated)} (names ignore case)")
    text = pl.col(pl.String).str.strip_chars()
    return frame.rename(dict(zip(frame.columns, names, strict=True))).with_columns(
        pl.when(text == "").then(None).otherwise(text).name.keep()
    )


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
