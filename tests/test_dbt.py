"""The dbt project's own checks: unit tests of the tricky measure definitions, and lint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.dbt_files import DBT_PROJECT_DIR

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
