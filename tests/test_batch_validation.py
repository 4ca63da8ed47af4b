"""Files checked together give exactly what each gives checked alone."""

from __future__ import annotations

import shutil

from contracts.validate import check_file, check_files
from pipelines.sample import generate


def test_a_batch_gives_each_file_its_own_result(tmp_path):
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
    batch = check_files(paths)
    assert [r.path for r in batch] == paths
    assert sum(r.failed for r in batch) > 10
    for together in batch:
        alone = check_file(together.path)
        assert together.refused == alone.refused
        assert together.rows == alone.rows
        assert together.failures.equals(alone.failures), together.path.name
        assert together.valid.equals(alone.valid), together.path.name


def test_refused_files_in_a_batch_do_not_stop_the_others(tmp_path):
    generate(tmp_path, periods=1, end_period="2025-26-Q1", scale=0.01, seed=9)
    good = next((tmp_path / "dsf").glob("*.csv"))
    bad = tmp_path / "dsf" / "dsf_BHSCT_2025-26-Q2.csv"
    bad.write_text("event_id\nE1\n")
    first, second = check_files([bad, good])
    assert first.refused.startswith(f"{bad.name}: missing mandatory column")
    assert second.refused is None and second.rows == second.passed > 0
