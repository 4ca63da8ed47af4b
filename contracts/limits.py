"""How big a return may be: checked on the file's own directory and metadata, before it is
parsed (returns.md, Files), so that no file can take unbounded time or memory.

The limits are policy (``[tool.sws.limits]`` in pyproject.toml, read by
``pipelines.settings.file_limits``); the checks are here, beside the readers they protect.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from contracts.files import RefusedFile

EXCEL_MAX_ROWS = 1_048_576  # a worksheet holds no more rows than this, header included
SHEET_HEAD_BYTES = 64 * 1024  # a worksheet's <dimension> comes before its rows
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+[0-9]+(?::[A-Z]+([0-9]+))?"')


class Unreadable(Exception):
    """The container itself cannot be read (not a zip, no Parquet footer): say so in our words."""


@dataclass(frozen=True)
class Limits:
    max_rows: int  # data rows, the header not counted
    max_bytes: int  # a CSV's size; a Parquet file's data, uncompressed
    max_xlsx_bytes: int  # an XLSX's contents, uncompressed (the reader holds a whole sheet)

    def check(self, file_format: str, data: bytes) -> None:
        """RefusedFile if ``data`` is over a limit; Unreadable if its container is broken."""
        size, rows, limit = {"csv": _csv, "xlsx": _xlsx, "parquet": _parquet}[file_format](
            data, self
        )
        if size > limit:
            raise RefusedFile(
                f"too large: {size:,} bytes{' uncompressed' if file_format != 'csv' else ''}, "
                f"over the limit of {limit:,} ([tool.sws.limits])"
            )
        if rows is not None and rows > self.max_rows:
            raise RefusedFile(
                f"too many rows: {rows:,} {'lines' if file_format == 'csv' else 'rows'}, "
                f"over the limit of {self.max_rows:,} rows ([tool.sws.limits])"
            )


def _csv(data: bytes, limits: Limits) -> tuple[int, int | None, int]:
    # a record has at least one line; lines are counted cheaply (the header line not counted),
    # and only where there can be too many: a line takes a byte at least
    if len(data) <= limits.max_rows:
        return len(data), None, limits.max_bytes
    lines = data.count(b"\n") + (not data.endswith(b"\n")) - 1
    return len(data), lines, limits.max_bytes


def parquet_file(data: bytes):
    """A Parquet file's metadata reader (pyarrow, imported only for a Parquet return)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.ParquetFile(pa.BufferReader(data))


def _parquet(data: bytes, limits: Limits) -> tuple[int, int | None, int]:
    try:
        metadata = parquet_file(data).metadata
    except Exception as error:
        raise Unreadable from error
    row_groups = (metadata.row_group(i) for i in range(metadata.num_row_groups))
    return sum(group.total_byte_size for group in row_groups), metadata.num_rows, limits.max_bytes


def _xlsx(data: bytes, limits: Limits) -> tuple[int, int | None, int]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(member.file_size for member in archive.infolist())
            if size > limits.max_xlsx_bytes:
                return size, None, limits.max_xlsx_bytes  # nothing more is decompressed
            rows = _first_sheet_rows(archive)
    except Exception as error:  # not a zip, damaged, or no workbook inside
        raise Unreadable from error
    if rows is not None and rows > EXCEL_MAX_ROWS - 1:
        raise RefusedFile(f"not a worksheet Excel can hold: {rows:,} rows")
    return size, rows, limits.max_xlsx_bytes


def _first_sheet_rows(archive: zipfile.ZipFile) -> int | None:
    """The data rows the first worksheet declares (its ``<dimension>``), if it declares them."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    first = next(e for e in workbook.iter() if e.tag.endswith("}sheet"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(e.get("Target", "") for e in relations if e.get("Id") == first.get(RELATIONSHIP))
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    with archive.open(path) as sheet:
        found = DIMENSION.search(sheet.read(SHEET_HEAD_BYTES))
    if found is None or found[1] is None:
        return None
    return int(found[1]) - 1
