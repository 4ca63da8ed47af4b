"""The dbt project's own checks: unit tests of the tricky measure definitions, and lint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.dbt_files import DBT_PROJECT_DIR, dbt_vars
from pipelines.warehouse.turns import working_copy

DBT = str(Path(sys.executable).with_name("dbt"))


def test_dbt_unit_tests_pass(regional):
    """Unit tests (``unit_tests:`` in the model ymls) need the upstream tables to exist."""
    settings, _, _, _ = regional
    done = subprocess.run(
        [
            DBT,
            "test",
            "--select",
            "test_type:unit",
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(settings.home / "dbt-unit-target"),
            *dbt_vars(),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "SWS_HOME": str(settings.home)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert " PASS=" in done.stdout and " ERROR=0" in done.stdout
    passed = int(done.stdout.split(" PASS=")[1].split()[0])
    assert passed >= 10


def _dbt_test(home: Path, *select: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            DBT,
            "test",
            "--select",
            *select,
            "--store-failures",
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(home / "dbt-test-target"),
            *dbt_vars(),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "SWS_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_null_fails_the_models_combined_not_null_test_naming_the_column(regional, tmp_path):
    """A model's columns are tested not null in one query (``not_null_columns``): a null in any
    of them fails it, and its failing rows name each column with nulls and how many."""
    settings, _, _, _ = regional
    home = tmp_path / "sws"
    (home / "work").mkdir(parents=True)
    copy = home / "work" / "warehouse.duckdb"
    shutil.copyfile(working_copy(settings.warehouse), copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update marts.outcome1 set oba_type = null where rowid in "
            "(select rowid from marts.outcome1 order by rowid limit 2)"
        )
        con.execute(
            "update marts.outcome1 set suppressed = null where rowid = "
            "(select max(rowid) from marts.outcome1)"
        )
        con.execute("update marts.outcome2 set org = null where rowid = 0")
    done = _dbt_test(home, "outcome1_not_null", "outcome2_not_null", "outcome3_not_null")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "PASS=1 WARN=0 ERROR=2" in done.stdout, done.stdout[-3000:]
    with duckdb.connect(str(copy), read_only=True) as con:
        failing = {
            test: con.execute(
                f"select null_column, null_rows from dbt_test__audit.{test} order by all"
            ).fetchall()
            for test in ("outcome1_not_null", "outcome2_not_null")
        }
    assert failing == {
        "outcome1_not_null": [("oba_type", 2), ("suppressed", 1)],
        "outcome2_not_null": [("org", 1)],
    }
