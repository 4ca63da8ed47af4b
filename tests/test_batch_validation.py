"""Files checked together give exactly what each gives checked alone."""

from __future__ import annotations

import hashlib
import shutil

import polars as pl
import pytest

from contracts import validate
from contracts.contract import contract
from contracts.validate import check_file, check_files
from pipelines.sample import generate


@pytest.fixture
def batches(monkeypatch):
    """The files of each batch checked, as lists of file names (files read as text: those
    read typed may be checked twice, see ``test_a_typed_read_...``)."""
    monkeypatch.setattr(validate, "TYPED_READ", False)
    return _spy(monkeypatch)


def _spy(monkeypatch, typed: list | None = None) -> list[list[str]]:
    seen, check_batch = [], validate._check_batch

    def spy(model, results, frames):
        seen.append([r.path.name for r in results])
        if typed is not None:
            typed.append(any(t == pl.Int64 for f in frames for t in f.schema.values()))
        check_batch(model, results, frames)

    monkeypatch.setattr(validate, "_check_batch", spy)
    return seen


def _sample_paths(tmp_path):
    report = generate(
        tmp_path,
        periods=2,
        end_period="2025-26-Q4",
        scale=0.02,
        seed=9,
        bad_rows=0.03,
        formats=("csv", "parquet"),
    )
    paths = [tmp_path / f.path for f in report.files if f.collection in ("star", "raw", "dsf")]
    # the same reading and response ids in another Trust's file are no duplicates
    twin = tmp_path / "star" / "star_WHSCT_2025-26-Q3.csv"
    copied = twin.with_name("star_NHSCT_2025-26-Q3.csv")
    shutil.copyfile(twin, copied)
    paths.append(copied)
    return paths


def _assert_as_alone(batch):
    assert sum(r.failed for r in batch) > 10
    for together in batch:
        alone = check_file(together.path)
        assert together.refused == alone.refused
        assert together.rows == alone.rows
        assert together.failures.equals(alone.failures), together.path.name
        assert together.valid.equals(alone.valid), together.path.name


def test_a_batch_gives_each_file_its_own_result(tmp_path, batches):
    paths = _sample_paths(tmp_path)
    batch = list(check_files(paths))
    assert [r.path for r in batch] == paths
    assert len(batches) == 3  # one per collection
    batches.clear()
    _assert_as_alone(batch)


def test_batches_are_bounded_in_rows_and_never_split_a_file(tmp_path, monkeypatch, batches):
    paths = _sample_paths(tmp_path)
    rows = {p.name: r.rows for p, r in zip(paths, check_files(paths), strict=True)}
    batches.clear()
    limit = max(rows.values()) + 1
    monkeypatch.setattr(validate, "BATCH_ROWS", limit)
    batch = list(check_files(paths))
    assert [r.path for r in batch] == paths
    assert len(batches) > 3
    assert all(len(b) == 1 or sum(rows[n] for n in b) <= limit for b in batches)
    assert sorted(n for b in batches for n in b) == sorted(p.name for p in paths)  # once each
    batches.clear()
    _assert_as_alone(batch)


def test_results_come_before_every_file_is_read(tmp_path, monkeypatch):
    """A result is let go (yielded) once its batch is checked: memory does not grow."""
    paths = _sample_paths(tmp_path)
    monkeypatch.setattr(validate, "BATCH_ROWS", 1)  # every file a batch of its own
    read, read_return = [], validate.read_return
    monkeypatch.setattr(
        validate, "read_return", lambda file, *args: read.append(file) or read_return(file, *args)
    )
    results = check_files(paths)
    next(results)
    # the first file, the one that filled the batch, and at most the one read ahead meanwhile
    assert 2 <= len(set(read)) <= 3 < len(paths)
    assert [r.path for r in results] == paths[1:]  # in order all the same


def test_refused_files_in_a_batch_do_not_stop_the_others(tmp_path):
    generate(tmp_path, periods=1, end_period="2025-26-Q1", scale=0.01, seed=9)
    good = next((tmp_path / "dsf").glob("*.csv"))
    bad = tmp_path / "dsf" / "dsf_BHSCT_2025-26-Q2.csv"
    bad.write_text("event_id\nE1\n")
    first, second = check_files([bad, good])
    assert first.refused.startswith(f"{bad.name}: missing mandatory column")
    assert second.refused is None and second.rows == second.passed > 0


def test_the_digest_is_of_the_bytes_checked_and_only_if_asked_for(tmp_path):
    generate(tmp_path, periods=1, end_period="2025-26-Q1", scale=0.01, seed=9)
    paths = sorted((tmp_path / "dsf").glob("*.csv"))[:2]
    digests = [r.sha256 for r in check_files(paths)]
    assert digests == [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    unhashed = list(check_files(paths, digest=False))
    assert [r.sha256 for r in unhashed] == [None, None]
    for result, path in zip(unhashed, paths, strict=True):
        assert result.failures.equals(check_file(path).failures)
        assert result.valid.equals(check_file(path).valid)


def test_a_typed_read_gives_what_the_text_read_gives(tmp_path, monkeypatch):
    """CSVs' integer columns read as numbers: the same failures (values as written) and the
    same rows; only a file failing a rule in such a column is read again, as text."""
    paths = _sample_paths(tmp_path)
    typed_batches: list[bool] = []
    _spy(monkeypatch, typed_batches)
    again, read_return = [], validate.read_return

    def spy(file, *args):
        if len(args) == 1:  # the bytes only: read again as text
            again.append(file.path.name)
        return read_return(file, *args)

    monkeypatch.setattr(validate, "read_return", spy)
    typed = list(check_files(paths))
    monkeypatch.setattr(validate, "TYPED_READ", False)
    as_text = list(check_files(paths))
    for fast, slow in zip(typed, as_text, strict=True):
        assert (fast.refused, fast.rows, fast.warnings) == (slow.refused, slow.rows, slow.warnings)
        assert fast.failures.equals(slow.failures), fast.path.name
        assert fast.valid.equals(slow.valid), fast.path.name
    integers = [c for k in ("star", "raw", "dsf") for c, t in contract(k).types if t == "integer"]
    failing_numbers = {r.path.name for r in typed if r.failures["column"].is_in(integers).any()}
    assert again and set(again) <= failing_numbers and len(again) == len(set(again))
    assert True in typed_batches
