"""A CSV's integer columns read as numbers (``contracts.validate``'s typed read) give what
reading them as text and parsing that text gives."""

from __future__ import annotations

import polars as pl
import pytest

from contracts import validate
from contracts.parse import as_integer
from contracts.readers import _read_csv
from tests.contracts.helpers import check
from tests.returns_factory import spoil, valid_rows, write_csv
from tests.test_parse import odd_texts

WHITE = ("", " ", "  ", "\t")


def _csv_value(text: str) -> bytes:
    quoted = '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text
    return f"n,m\n{quoted},x\n".encode()


def test_a_number_the_csv_reader_takes_is_the_one_the_text_reader_reads():
    texts = [t for t in odd_texts()["text"].to_list() if t is not None][::5]
    texts += [f"{a}{t}{b}" for t in ("7", "-7", "+07", "7.0") for a in WHITE for b in WHITE]
    texts += ["0x1F", "1_000", "٣", "9" * 19, "9" * 20, "-" + "9" * 19, '"7"', "7e0"]
    taken = 0
    for text in texts:
        data = _csv_value(text)
        _, typed = _read_csv(data, types={"n": pl.Int64})
        if typed.schema["n"] != pl.Int64:
            continue  # not every value reads as a number: read as text
        taken += 1
        _, as_text = _read_csv(data)
        expected = as_text.select(as_integer("n")).to_series()
        assert typed["n"].eq_missing(expected).all(), repr(text)
    assert taken > 500


@pytest.mark.parametrize("written", ["+11", "011", "0", "-3"])
def test_a_failing_number_is_shown_as_written(tmp_path, written):
    rows = spoil(valid_rows("star"), 3, "score", written)
    result = check(tmp_path, "star", rows)
    assert result.failures.filter(pl.col("column") == "score").rows() == [
        (3, "score", "range", written)
    ]


def test_a_number_column_with_a_value_no_number_is_read_as_text(tmp_path, monkeypatch):
    rows = spoil(spoil(valid_rows("star"), 3, "score", "3.0"), 4, "score", "11")
    path = write_csv(tmp_path / "star_BHSCT_2025-26-Q1.csv", rows, list(rows[0]))
    read = []
    monkeypatch.setattr(validate, "_again_as_text", lambda *args: read.append(args))
    result = validate.check_file(path)
    assert read == []  # read as text at once: nothing to read again
    assert result.failures.filter(pl.col("column") == "score").rows() == [
        (4, "score", "range", "11")
    ]
