"""The contracts are the spec's columns, and valid returns load typed.

In CSV, XLSX and Parquet alike; with a BOM, headers in any case and padding, columns in any
order; unknown extra columns warn and are left out.
"""

from __future__ import annotations

import random

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from contracts import CONTRACTS
from contracts.validate import check_file
from tests import returns_factory as factory
from tests.contracts.helpers import assert_failures, check, expected_valid, failures
from tests.returns_factory import COLUMNS, TYPES, spoil, valid_rows, write_return

pytestmark = pytest.mark.contracts


# -- the contracts are the spec's ---------------------------------------------------------


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_contract_columns_are_the_spec_columns(collection):
    assert tuple(CONTRACTS[collection].to_schema().columns) == COLUMNS[collection]


def test_every_collection_has_a_contract():
    assert set(CONTRACTS) == set(factory.COLLECTIONS)


# -- valid returns ------------------------------------------------------------------------


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_valid_return_passes_typed(tmp_path, collection):
    rows = valid_rows(collection)
    result = check(tmp_path, collection, rows)
    assert_failures(result, [])
    assert result.warnings == []
    assert result.rows == result.passed == len(rows)
    assert result.file is not None
    assert (result.file.collection, result.file.org, result.file.period) == (
        collection,
        factory.ORG,
        factory.PERIOD,
    )
    expected = expected_valid(collection, rows)
    assert result.valid.schema == expected.schema
    assert_frame_equal(result.valid, expected)


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_expected_types_are_the_specs(collection):
    """Guard the factory: the expected frame types each column as the spec does."""
    schema = expected_valid(collection, valid_rows(collection)).schema
    assert schema["source_row"] == pl.Int64
    for column in COLUMNS[collection]:
        assert schema[column] == TYPES[collection].get(column, pl.String), column


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
@pytest.mark.parametrize(
    ("fmt", "typed"),
    [("xlsx", False), ("xlsx", True), ("parquet", True)],
    ids=["xlsx-text-cells", "xlsx-typed-cells", "parquet-typed"],
)
def test_xlsx_and_parquet_load_like_csv(tmp_path, collection, fmt, typed):
    # the CSV's .valid is expected_valid(...) (test_valid_return_passes_typed)
    other = check(tmp_path, collection, fmt=fmt, typed=typed)
    assert_failures(other, [])
    assert other.warnings == []
    assert_frame_equal(other.valid, expected_valid(collection, valid_rows(collection)))


@pytest.mark.parametrize(
    ("collection", "row", "column", "value"),
    [
        ("star", 4, "score", "11"),
        ("ascot", 3, "control_expected", "2"),
        ("raw", 5, "item_code", "R9"),
        ("workforce", 3, "aye", "maybe"),
    ],
)
def test_xlsx_and_parquet_fail_like_csv(tmp_path, collection, row, column, value):
    rows = spoil(valid_rows(collection), row, column, value)
    from_csv = check(tmp_path, collection, rows)
    assert from_csv.failed > 0
    for fmt in ("xlsx", "parquet"):
        other = check(tmp_path, collection, rows, fmt=fmt)
        assert_failures(other, failures(from_csv))
        assert_frame_equal(other.valid, from_csv.valid)


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_nil_return_is_header_only_not_refused(tmp_path, collection, fmt):
    result = check(tmp_path, collection, [], fmt=fmt)
    assert result.refused is None
    assert (result.rows, result.passed, result.failed) == (0, 0, 0)
    assert result.failures.is_empty()
    assert result.valid.height == 0
    assert result.valid.schema == expected_valid(collection, []).schema


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_bom_and_upper_case_space_padded_headers(tmp_path, collection):
    columns = COLUMNS[collection]
    headers = [f"  {c.upper()} " if i % 2 else f"{c.title()}  " for i, c in enumerate(columns)]
    result = check(tmp_path, collection, headers=headers, bom=True)
    assert_failures(result, [])
    assert result.warnings == []
    assert_frame_equal(result.valid, expected_valid(collection, valid_rows(collection)))


def test_windows_line_endings_with_bom(tmp_path):
    path = write_return(tmp_path, "raw", bom=True)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = check_file(path)
    assert_failures(result, [])
    assert_frame_equal(result.valid, expected_valid("raw", valid_rows("raw")))


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_bom_header_only(tmp_path, collection):
    result = check(tmp_path, collection, [], bom=True)
    assert result.refused is None
    assert result.rows == 0


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_upper_case_headers_in_xlsx_and_parquet(tmp_path, fmt):
    headers = [f" {c.upper()} " for c in COLUMNS["workforce"]]
    result = check(tmp_path, "workforce", fmt=fmt, headers=headers)
    assert_failures(result, [])
    assert_frame_equal(result.valid, expected_valid("workforce", valid_rows("workforce")))


@pytest.mark.parametrize(
    ("collection", "fmt"),
    [*((c, "csv") for c in factory.COLLECTIONS), ("star", "xlsx"), ("ascot", "parquet")],
)
def test_column_order_does_not_matter(tmp_path, collection, fmt):
    columns = list(COLUMNS[collection])
    random.Random(collection).shuffle(columns)
    assert columns != list(COLUMNS[collection])
    result = check(tmp_path, collection, fmt=fmt, columns=columns)
    assert_failures(result, [])
    assert_frame_equal(result.valid, expected_valid(collection, valid_rows(collection)))


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_unknown_extra_columns_warn_and_are_not_loaded(tmp_path, collection):
    columns = ("Trust Notes", *COLUMNS[collection], "extra")
    rows = [{**row, "Trust Notes": "see file", "extra": "1"} for row in valid_rows(collection)]
    result = check(tmp_path, collection, rows, columns=columns)
    assert_failures(result, [])
    assert len(result.warnings) == 2
    assert "unknown column" in result.warnings[0]
    assert "trust notes" in result.warnings[0].lower()
    assert "extra" in result.warnings[1]
    assert "trust notes" not in result.valid.columns
    assert "extra" not in result.valid.columns
    assert result.valid.columns == ["source_row", *COLUMNS[collection]]
