"""Refusals name where and what, never a value from the file (returns.md, Files), and files
over the size or row limits are refused before they are parsed."""

from __future__ import annotations

import io
import re
import zipfile

import polars as pl
import pytest
import xlsxwriter

from contracts import readers
from contracts.files import RefusedFile
from contracts.limits import Limits
from contracts.validate import check_file
from tests import returns_factory as factory

LIMITS = Limits(max_rows=1000, max_bytes=100_000, max_xlsx_bytes=200_000)
XLSX_REFUSED = (
    "unreadable XLSX file: not an Excel workbook, or a damaged or incomplete one (save it "
    "again from Excel as .xlsx)"
)


def _dsf_csv(tmp_path) -> tuple[object, list[bytes]]:
    """A valid dsf return of six rows as CSV; its lines (header first)."""
    path = factory.write_return(tmp_path, "dsf", _rows(6))
    return path, path.read_bytes().split(b"\n")


def _tokens(lines: list[bytes]) -> set[str]:
    """Every value of the data lines (3 characters or more): none may reach a message."""
    values = set()
    for line in lines[1:]:
        for value in re.split(rb'[,"]', line):
            text = value.decode("utf-8", "replace").strip()
            if len(text) >= 3:
                values.add(text)
    return values


def _spoiled(lines: list[bytes], number: int, change) -> bytes:
    """The file with line ``number`` (the header is line 1) changed."""
    lines = list(lines)
    lines[number - 1] = change(lines[number - 1])
    return b"\n".join(lines)


CSV_FAULTS = [
    pytest.param(
        3,
        lambda line: b'"' + line,
        "line 3: a quoted value is never closed (a missing closing quote)",
        id="open-quote",
    ),
    pytest.param(
        5,
        lambda line: line + b',"EXTRA, more",X',
        "line 5: 12 fields where the header has 10",
        id="too-many-fields",
    ),
    pytest.param(
        4,
        lambda line: line.replace(b",", b",\xff\xfe", 1),
        "line 4: not UTF-8 text (save it as CSV UTF-8)",
        id="not-utf8",
    ),
    pytest.param(
        3,
        lambda line: line[:1] + b'"' + line[1:],
        'line 3, field 1: a quote (") inside a value not quoted whole',
        id="stray-quote",
    ),
    pytest.param(
        2,
        lambda line: b'"' + line.replace(b",", b'"x,', 1),
        "line 2: text after a closing quote (quote the whole value)",
        id="text-after-quote",
    ),
]


@pytest.mark.parametrize(("line", "change", "reason"), CSV_FAULTS)
def test_an_unreadable_csv_is_refused_saying_where_and_quoting_nothing(
    tmp_path, line, change, reason
):
    path, lines = _dsf_csv(tmp_path)
    path.write_bytes(_spoiled(lines, line, change))
    refused = check_file(path).refused
    assert refused == f"{path.name}: unreadable CSV file: {reason}"
    for value in _tokens(lines) | {factory.HCN_A, factory.HCN_B}:
        assert value not in refused


def test_an_unterminated_quote_in_the_last_line_is_found_there(tmp_path):
    path, lines = _dsf_csv(tmp_path)
    last = len([line for line in lines if line])
    path.write_bytes(_spoiled(lines, last, lambda line: b'"' + line))
    refused = check_file(path).refused
    assert refused.endswith(
        f"line {last}: a quoted value is never closed (a missing closing quote)"
    )


def _frame(tmp_path) -> pl.DataFrame:
    return factory.text_frame(factory.valid_rows("dsf"), factory.COLUMNS["dsf"])


def _xlsx_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_excel(buffer)
    return buffer.getvalue()


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("ext", "spoil", "reason"),
    [
        pytest.param(
            "xlsx",
            lambda data: data[: len(data) // 2],
            XLSX_REFUSED,
            id="truncated-xlsx",
        ),
        pytest.param(
            "xlsx",
            lambda data: data.replace(b"xl/workbook.xml", b"xl/workbook.xmX"),
            XLSX_REFUSED,
            id="xlsx-without-workbook",
        ),
        pytest.param(
            "parquet",
            lambda data: data[: len(data) - 9],
            "unreadable PARQUET file: not Parquet, or a damaged or incomplete file",
            id="truncated-parquet",
        ),
        pytest.param(
            "parquet",
            lambda data: data[:4] + bytes(200) + data[204:],
            "unreadable PARQUET file: not Parquet, or a damaged or incomplete file",
            id="damaged-parquet-pages",
        ),
    ],
)
@pytest.mark.parametrize("limits", [None, LIMITS], ids=["no-limits", "limits"])
def test_a_damaged_spreadsheet_or_parquet_is_refused_in_our_words(
    tmp_path, ext, spoil, reason, limits
):
    frame = _frame(tmp_path)
    data = (_xlsx_bytes if ext == "xlsx" else _parquet_bytes)(frame)
    path = tmp_path / factory.file_name("dsf", ext=ext, version=2)
    path.write_bytes(spoil(data))
    refused = check_file(path, limits=limits).refused
    assert refused == f"{path.name}: {reason}"


# -- limits, before parsing ---------------------------------------------------------------


@pytest.fixture
def nothing_is_parsed(monkeypatch):
    """A file over a limit never reaches a reader."""

    def no(data):
        raise AssertionError("parsed a file over the limits")

    monkeypatch.setattr(readers, "_READERS", {"csv": no, "xlsx": no, "parquet": no})


def _rows(count: int) -> list[dict]:
    row = factory.valid_rows("dsf")[0]
    return [row | {"event_id": f"E{i}"} for i in range(count)]


def test_a_csv_over_the_row_limit_is_refused_before_parsing(tmp_path, nothing_is_parsed):
    path = factory.write_return(tmp_path, "dsf", _rows(LIMITS.max_rows + 1))
    refused = check_file(path, limits=LIMITS).refused
    assert refused == (
        f"{path.name}: too many rows: 1,001 lines, over the limit of 1,000 rows ([tool.sws.limits])"
    )


def test_a_csv_at_the_row_limit_is_read(tmp_path):
    path = factory.write_return(tmp_path, "dsf", _rows(LIMITS.max_rows))
    result = check_file(path, limits=Limits(1000, 10**9, 10**9))
    assert result.refused is None and result.rows == 1000


def test_lines_are_counted_whenever_there_can_be_too_many():
    """Lines are counted only in a file of more bytes than the row limit (a line takes a
    byte): the fewest bytes that hold one line too many are still refused."""
    limits = Limits(max_rows=10, max_bytes=10**6, max_xlsx_bytes=10**6)
    limits.check("csv", b"\n" * 11)  # a header and 10 (empty) lines: at the limit
    with pytest.raises(RefusedFile, match="too many rows: 11 lines, over the limit of 10 rows"):
        limits.check("csv", b"\n" * 12)
    with pytest.raises(RefusedFile, match="too many rows: 11 lines"):
        limits.check("csv", b"\n" * 11 + b"x")  # the last line has no newline


def test_a_csv_over_the_size_limit_is_refused_before_parsing(tmp_path, nothing_is_parsed):
    path = factory.write_return(tmp_path, "dsf", _rows(900))
    size = path.stat().st_size
    refused = check_file(path, limits=Limits(10**6, size - 1, 10**9)).refused
    assert refused == (
        f"{path.name}: too large: {size:,} bytes, over the limit of {size - 1:,} "
        "([tool.sws.limits])"
    )


def test_a_csv_at_the_size_limit_is_read(tmp_path):
    path = factory.write_return(tmp_path, "dsf", _rows(900))
    size = path.stat().st_size
    assert check_file(path, limits=Limits(10**6, size, 10**9)).refused is None


def _xlsx_with_rows(path, rows: int, dimension: bool = True) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    columns = factory.COLUMNS["dsf"]
    for c, name in enumerate(columns):
        sheet.write_string(0, c, name)
    for r, row in enumerate(_rows(rows), start=1):
        for c, name in enumerate(columns):
            sheet.write_string(r, c, row.get(name) or "")
    book.close()
    if not dimension:  # a sheet need not declare its size: the uncompressed limit holds
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w") as copy:
            for member in source.infolist():
                content = source.read(member)
                if member.filename == "xl/worksheets/sheet1.xml":
                    content = re.sub(rb"<dimension [^>]*/>", b"", content)
                copy.writestr(member, content)


def test_an_xlsx_declaring_too_many_rows_is_refused_before_parsing(tmp_path, nothing_is_parsed):
    path = tmp_path / factory.file_name("dsf", ext="xlsx")
    _xlsx_with_rows(path, LIMITS.max_rows + 1)
    refused = check_file(path, limits=Limits(1000, 10**9, 10**9)).refused
    assert refused == (
        f"{path.name}: too many rows: 1,001 rows, over the limit of 1,000 rows ([tool.sws.limits])"
    )


def test_an_xlsx_expanding_past_the_limit_is_refused_before_parsing(tmp_path, nothing_is_parsed):
    path = tmp_path / factory.file_name("dsf", ext="xlsx")
    _xlsx_with_rows(path, 500, dimension=False)
    with zipfile.ZipFile(path) as archive:
        size = sum(member.file_size for member in archive.infolist())
    assert path.stat().st_size < size // 4  # small on disk, large once expanded
    refused = check_file(path, limits=Limits(10**6, 10**9, size - 1)).refused
    assert refused == (
        f"{path.name}: too large: {size:,} bytes uncompressed, over the limit of {size - 1:,} "
        "([tool.sws.limits])"
    )


def test_an_xlsx_within_the_limits_is_read(tmp_path):
    path = tmp_path / factory.file_name("dsf", ext="xlsx")
    _xlsx_with_rows(path, 50, dimension=False)
    result = check_file(path, limits=LIMITS)
    assert result.refused is None and result.rows == 50


def test_a_parquet_file_over_the_row_limit_is_refused_before_parsing(tmp_path, nothing_is_parsed):
    path = tmp_path / factory.file_name("dsf", ext="parquet")
    pl.DataFrame(_rows(LIMITS.max_rows + 1)).write_parquet(path)
    refused = check_file(path, limits=LIMITS).refused
    assert refused.endswith(
        "too many rows: 1,001 rows, over the limit of 1,000 rows ([tool.sws.limits])"
    )


def test_the_configured_limits_are_the_ones_used(tmp_path, sws, monkeypatch):
    from pipelines.settings import sws_config

    path = factory.write_return(tmp_path, "dsf", _rows(30))
    monkeypatch.setitem(sws_config()["limits"], "max_rows", 29)
    run = sws("validate", path)
    assert run.status == 2
    assert "too many rows: 30 lines, over the limit of 29 rows" in run.out
    monkeypatch.setitem(sws_config()["limits"], "max_rows", 30)
    assert sws("validate", path).status == 0


# -- output as it goes ------------------------------------------------------------------------


class Recording:
    """A stdout that keeps what is written, and the largest single write."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_validate_json_writes_a_files_failures_as_it_goes(tmp_path, monkeypatch):
    import json

    from pipelines.cli import main

    rows = [row | {"sex": "Q", "lgd_code": "X"} for row in _rows(3000)]
    path = factory.write_return(tmp_path, "dsf", rows)
    out = Recording()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["validate", str(path), "--json"]) == 1
    [line] = "".join(out.parts).splitlines()
    result = json.loads(line)
    assert (result["rows"], result["failed"], len(result["failures"])) == (3000, 3000, 6000)
    assert result["failures"][0] == {"row": 2, "column": "lgd_code", "rule": "code", "value": "X"}
    assert len(line) > 300_000 and max(map(len, out.parts)) < 1_000  # never one giant string
