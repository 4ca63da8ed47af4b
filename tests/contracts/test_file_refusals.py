"""File-level refusals: names, periods, versions, missing columns, unreadable files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from contracts.files import parse_name
from contracts.validate import check_file
from tests import returns_factory as factory
from tests.contracts.helpers import assert_failures, check
from tests.returns_factory import COLUMNS, Row, valid_rows, write_csv

pytestmark = pytest.mark.contracts


# -- file-level refusals ------------------------------------------------------------------


def _refused(tmp_path: Path, name: str, collection: str = "star", **kw) -> str:
    result = check(tmp_path, collection, name=name, **kw)
    assert result.refused is not None, f"{name} was not refused"
    assert (result.rows, result.valid) == (0, None)
    assert result.failures.is_empty()
    return result.refused


def _quarter(offset: int) -> str:
    """The quarter ``offset`` quarters from today's, written YYYY-YY-Qn (computed here)."""
    today = dt.date.today()
    start_year = today.year if today.month >= 4 else today.year - 1
    index = start_year * 4 + ((today.month - 4) % 12) // 3 + offset
    year, quarter = divmod(index, 4)
    return f"{year}-{(year + 1) % 100:02d}-Q{quarter + 1}"


BAD_NAMES = [
    pytest.param("star_BHSCT_2025-26-Q1.txt", id="extension"),
    pytest.param("star-BHSCT-2025-26-Q1.csv", id="hyphens"),
    pytest.param("star_BHSCT_2025-26-Q1_final.csv", id="suffix"),
    pytest.param("star_BHSCT.csv", id="no-period"),
    pytest.param("star_BHSCT_2025-26-Q1_vX.csv", id="bad-version"),
    pytest.param("BHSCT_2025-26-Q1.csv", id="no-collection"),
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_refused_name_does_not_parse(tmp_path, name):
    assert "file name does not parse" in _refused(tmp_path, name)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        pytest.param("stars_BHSCT_2025-26-Q1.csv", ("unknown collection", "stars"), id="coll"),
        pytest.param("survey_BHSCT_2025-26-Q1.csv", ("unknown collection", "survey"), id="coll2"),
        pytest.param("star_BELFAST_2025-26-Q1.csv", ("unknown org", "BELFAST"), id="org"),
        pytest.param("star_HSCB_2025-26-Q1.csv", ("unknown org", "HSCB"), id="org-hscb"),
    ],
)
def test_refused_unknown_collection_or_org(tmp_path, name, words):
    reason = _refused(tmp_path, name)
    for word in words:
        assert word in reason


@pytest.mark.parametrize("collection", ["star", "ascot", "dsf", "raw", "workforce"])
def test_refused_region_submits_indicators_only(tmp_path, collection):
    reason = _refused(tmp_path, factory.file_name(collection, org="REGION"), collection)
    assert "REGION" in reason
    assert "does not submit" in reason
    assert collection in reason


@pytest.mark.parametrize("org", ["REGION", "BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT"])
def test_every_org_may_submit_indicators(tmp_path, org):
    result = check(tmp_path, "indicators", name=factory.file_name("indicators", org=org))
    assert_failures(result, [])
    assert result.file.org == org


@pytest.mark.parametrize("org", ["BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT"])
def test_every_trust_may_submit_trust_returns(tmp_path, org):
    result = check(tmp_path, "dsf", name=factory.file_name("dsf", org=org))
    assert_failures(result, [])


@pytest.mark.parametrize(
    "period",
    [
        pytest.param("2025-27-Q1", id="years-do-not-follow"),
        pytest.param("2025-26-Q5", id="quarter-5"),
        pytest.param("2025-26-Q0", id="quarter-0"),
        pytest.param("2025-Q1", id="no-second-year"),
        pytest.param("202526Q1", id="no-hyphens"),
        pytest.param("2014-15-Q4", id="before-2015-16-Q1"),
        pytest.param(_quarter(1), id="next-quarter"),
        pytest.param(_quarter(8), id="two-years-ahead"),
    ],
)
def test_refused_period(tmp_path, period):
    # indicators have no dated rows: only the file's period is judged
    reason = _refused(tmp_path, factory.file_name("indicators", period=period), "indicators")
    assert "unknown period" in reason
    assert period in reason


@pytest.mark.parametrize(
    "period",
    [
        pytest.param("2015-16-Q1", id="first-accepted"),
        pytest.param(_quarter(0), id="current-quarter"),
        pytest.param(_quarter(-1), id="last-quarter"),
    ],
)
def test_accepted_period(tmp_path, period):
    result = check(tmp_path, "indicators", name=factory.file_name("indicators", period=period))
    assert_failures(result, [])
    assert result.file.period == period


def test_refused_version_zero(tmp_path):
    assert "version" in _refused(tmp_path, factory.file_name("star", version=0))


@pytest.mark.parametrize(
    ("suffix", "reason"),
    [
        pytest.param("_v0", "version _v0 is not allowed: N is 1 to 9999", id="zero"),
        pytest.param("_v01", "version _v01 is not allowed: N is 1 to 9999", id="leading-zero"),
        pytest.param("_v0002", "version _v0002 is not allowed", id="leading-zeros"),
        pytest.param("_v10000", "version _v10000 is too high: N is 1 to 9999", id="10000"),
        pytest.param("_v2147483648", "version _v2147483648 is too high", id="past-int32"),
        pytest.param("_v" + "9" * 40, f"version _v{'9' * 40} is too high", id="forty-digits"),
    ],
)
def test_refused_version_out_of_bounds(tmp_path, suffix, reason):
    name = f"ascot_BHSCT_2025-26-Q1{suffix}.csv"
    assert _refused(tmp_path, name, "ascot").startswith(f"{name}: {reason}")


@pytest.mark.parametrize("version", [1, 9, 10, 9999])
def test_accepted_versions_at_the_bounds(version):
    name = factory.file_name("dsf", version=version)
    assert parse_name(Path("landing/dsf") / name).version == version


@pytest.mark.parametrize(("version", "expected"), [(None, 1), (1, 1), (2, 2), (13, 13)])
def test_version_from_name(version, expected):
    name = factory.file_name("ascot", version=version, ext="xlsx")
    parsed = parse_name(Path("landing/ascot") / name)
    assert parsed.version == expected
    assert parsed.slot == ("ascot", "BHSCT", "2025-26-Q1")
    assert parsed.format == "xlsx"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("stars_BHSCT_2025-26-Q1.csv", id="unknown-collection"),
        pytest.param("star_BELFAST_2025-26-Q1.csv", id="unknown-org"),
        pytest.param("star-BHSCT-2025-26-Q1.csv", id="does-not-parse"),
    ],
)
def test_refusal_message_names_the_file(tmp_path, name):
    assert name in _refused(tmp_path, name)


MISSING_COLUMN_CASES = [
    pytest.param(collection, column, id=f"{collection}-{column}")
    for collection, columns in COLUMNS.items()
    for column in columns
]


@pytest.mark.parametrize(("collection", "column"), MISSING_COLUMN_CASES)
def test_refused_missing_mandatory_column(tmp_path, collection, column):
    columns = [c for c in COLUMNS[collection] if c != column]
    reason = _refused(
        tmp_path, factory.file_name(collection), collection, columns=columns, fmt="csv"
    )
    assert "missing mandatory column" in reason
    assert column in reason


def test_refused_missing_columns_named_all(tmp_path):
    columns = [c for c in COLUMNS["indicators"] if c not in ("denominator", "note")]
    reason = _refused(tmp_path, factory.file_name("indicators"), "indicators", columns=columns)
    assert "denominator" in reason
    assert "note" in reason


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_refused_empty_file(tmp_path, fmt):
    path = tmp_path / factory.file_name("star", ext=fmt)
    path.write_bytes(b"")
    result = check_file(path)
    assert result.refused is not None
    assert "empty" in result.refused


@pytest.mark.parametrize(
    ("ext", "content"),
    [
        pytest.param("csv", b"\n", id="csv-blank-line"),
        pytest.param("csv", b"indicator_code,numerator,denominator,note\nQI_LEADS,1,,,x,y\n", id="csv-ragged"),  # noqa: E501
        pytest.param("csv", "indicator_code,numerator,denominator,note\nQI_LEADS,1,,café\n".encode("latin-1"), id="csv-not-utf8"),  # noqa: E501
        pytest.param("xlsx", b"indicator_code,numerator\n", id="xlsx-not-a-workbook"),
        pytest.param("parquet", b"PAR1 not really", id="parquet-garbage"),
    ],
)  # fmt: skip
def test_refused_unreadable_file(tmp_path, ext, content):
    path = tmp_path / factory.file_name("indicators", ext=ext)
    path.write_bytes(content)
    result = check_file(path)
    assert result.refused is not None
    assert "unreadable" in result.refused
    assert ext.upper() in result.refused


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_refused_duplicate_column_names_ignoring_case(tmp_path, fmt):
    columns = (*COLUMNS["indicators"], "NUMERATOR ")
    rows = valid_rows("indicators")
    # XLSX/Parquet keep distinct spellings; only the case-folded names collide.
    path = tmp_path / factory.file_name("indicators", ext=fmt)
    if fmt == "csv":
        write_csv(path, rows, (*COLUMNS["indicators"], "numerator"), headers=columns)
    else:
        frame = factory.text_frame(rows, COLUMNS["indicators"])
        frame = frame.with_columns(pl.col("numerator").alias("NUMERATOR "))
        if fmt == "xlsx":
            frame.write_excel(path)
        else:
            frame.write_parquet(path)
    result = check_file(path)
    assert result.refused is not None
    assert "duplicate column" in result.refused
    assert "numerator" in result.refused


@pytest.mark.parametrize(
    "fmt",
    [
        "csv",
        "xlsx",
    ],
)
def test_refused_exactly_repeated_column_name(tmp_path, fmt):
    columns = (*COLUMNS["indicators"], "numerator")
    path = tmp_path / factory.file_name("indicators", ext=fmt)
    if fmt == "csv":
        write_csv(path, valid_rows("indicators"), columns)
    else:
        factory.write_xlsx_sheets(path, {"Return": _cells(valid_rows("indicators"), columns)})
    result = check_file(path)
    assert result.refused is not None
    assert "duplicate column" in result.refused


def test_refused_parquet_with_repeated_column_name(tmp_path):
    path = tmp_path / factory.file_name("indicators", ext="parquet")
    table = pa.table(
        [pa.array(["QI_LEADS"]), pa.array(["1"]), pa.array([None], pa.string())] * 2,
        names=["indicator_code", "numerator", "denominator", "note", "numerator", "x"],
    )
    pq.write_table(table, path)
    result = check_file(path)
    assert result.refused is not None
    assert "numerator" in result.refused


def _cells(rows: Sequence[Row], columns: Sequence[str]) -> list[list[str]]:
    return [list(columns), *([row[c] for c in columns] for row in rows)]


def test_xlsx_reads_first_sheet_only(tmp_path):
    columns = COLUMNS["indicators"]
    path = tmp_path / factory.file_name("indicators", ext="xlsx")
    factory.write_xlsx_sheets(
        path,
        {
            "Return": _cells(valid_rows("indicators"), columns),
            "Notes": [list(columns), ["not an indicator", "x"]],
        },
    )
    result = check_file(path)
    assert_failures(result, [])
    assert result.rows == len(valid_rows("indicators"))


@pytest.mark.parametrize("trailing", ["", ",,,\n", ",,,\n,,,\n\n", "\n"])
def test_blank_rows_at_the_end_are_no_records(tmp_path, trailing):
    """Empty records after the last filled one are not rows; one inside the file is a row
    (and fails ``required``)."""
    rows = valid_rows("indicators")
    path = write_csv(tmp_path / factory.file_name("indicators"), rows, COLUMNS["indicators"])
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:2], ",,,\n", *lines[2:]]) + trailing)
    result = check_file(path)
    assert result.rows == len(rows) + 1
    assert {(row, rule) for row, _, rule, _ in result.failures.iter_rows()} == {(3, "required")}
