"""``sws validate`` and the command line's promises: exit statuses, JSON shape, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipelines.sample import generate

VALIDATE_KEYS = {
    "file",
    "collection",
    "org",
    "period",
    "version",
    "rows",
    "passed",
    "failed",
    "refused",
    "failures",
}


def _sample(tmp_path: Path, **options) -> Path:
    generate(tmp_path, periods=1, end_period="2025-26-Q1", scale=0.01, seed=3, **options)
    return tmp_path


def test_validate_a_clean_return_exits_0(tmp_path, sws):
    landing = _sample(tmp_path)
    path = next((landing / "workforce").glob("*.csv"))
    run = sws("validate", path, "--json")
    assert run.status == 0
    [line] = run.json_lines()
    assert set(line) == VALIDATE_KEYS
    assert line["collection"] == "workforce" and line["version"] == 1
    assert line["rows"] == line["passed"] > 0
    assert (line["failed"], line["refused"], line["failures"]) == (0, None, [])


def test_validate_reports_every_failure_with_row_column_rule_value_and_exits_1(tmp_path, sws):
    landing = _sample(tmp_path)
    path = next((landing / "dsf").glob("*.csv"))
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("sex")] = "Q"
    cells[header.index("due_date")] = "2025-02-30"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    run = sws("validate", path, "--json")
    assert run.status == 1
    [line] = run.json_lines()
    assert line["failed"] == 1 and line["passed"] == line["rows"] - 1
    assert sorted(line["failures"], key=lambda f: f["column"]) == [
        {"row": 4, "column": "due_date", "rule": "date", "value": "2025-02-30"},
        {"row": 4, "column": "sex", "rule": "code", "value": "Q"},
    ]
    human = sws("validate", path)
    assert "row 4, sex: code (value 'Q')" in human.out
    assert "row 4, due_date: date (value '2025-02-30')" in human.out


def test_validate_a_refused_file_exits_2_and_says_why(tmp_path, sws):
    bad = tmp_path / "ascot_BHSCT_2025-26-Q5.csv"
    bad.write_text("assessment_id\n")
    run = sws("validate", bad, "--json")
    assert run.status == 2
    [line] = run.json_lines()
    assert line["refused"] == "ascot_BHSCT_2025-26-Q5.csv: unknown period '2025-26-Q5'"
    assert line["collection"] is None and line["rows"] == 0


def test_validate_many_files_exit_status_is_the_worst(tmp_path, sws):
    landing = _sample(tmp_path)
    good = next((landing / "star").glob("*.csv"))
    refused = tmp_path / "notes.csv"
    refused.write_text("x\n")
    run = sws("validate", good, refused, "--json")
    assert run.status == 2
    assert [line["refused"] is None for line in run.json_lines()] == [True, False]


def test_validate_a_missing_file_is_one_clear_line(tmp_path, sws):
    run = sws("validate", tmp_path / "nope.csv")
    assert run.status == 2
    assert run.err.strip() == f"sws validate: {tmp_path / 'nope.csv'}: no such file"


def test_the_installed_command_works_from_any_directory(tmp_path):
    landing = _sample(tmp_path / "landing")
    path = next((landing / "indicators").glob("*REGION*.csv"))
    sws = Path(sys.executable).with_name("sws")
    done = subprocess.run(
        [str(sws), "validate", str(path), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["org"] == "REGION"


def test_bad_arguments_exit_2(sws, capsys):
    try:
        sws("load", "--no-such-flag")
    except SystemExit as stop:
        assert stop.code == 2
    else:
        raise AssertionError("argparse accepted a bad flag")
