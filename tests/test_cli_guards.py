"""The command line's guards: one line and exit 2 for what cannot run, no text a spreadsheet
could run in any CSV, no pack written over someone's folder, one Dagster instance made once."""

from __future__ import annotations

import os
import subprocess
import sys

import polars as pl
import pytest

from pipelines.defs.dbt.resources import dbt_cli
from pipelines.extract.out_dir import OutDirRefused, check_out_dir
from pipelines.ingest.landing import discover
from pipelines.ingest.loader import load_slots
from pipelines.ingest.pseudonyms import load_key
from pipelines.safe_text import safe_cell, safe_frame
from pipelines.settings import dbt_threads
from pipelines.warehouse import connect
from tests import returns_factory as factory

# -- text that a spreadsheet could run ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-3.5", "-3.5"),
        ("+12", "+12"),
        ("-1e5", "-1e5"),
        ("plain = text", "plain = text"),
        ("", ""),
        (None, None),
    ],
)
def test_text_that_would_be_a_formula_is_quoted_numbers_are_not(text, safe):
    assert safe_cell(text) == safe
    frame = pl.DataFrame(
        {"text": [text], "number": [-1]}, schema={"text": pl.String, "number": pl.Int64}
    )
    assert safe_frame(frame).to_dicts() == [{"text": safe, "number": -1}]


FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def formula_in_quarantine(sws_home):
    """A return whose failing value is a formula, loaded."""
    dsf = sws_home.landing / "dsf"
    dsf.mkdir()
    rows = factory.spoil(factory.valid_rows("dsf"), 2, "sex", FORMULA)
    factory.write_return(dsf, "dsf", rows)
    slots, _ = discover(sws_home.landing)
    with connect(sws_home.warehouse) as con:
        load_slots(
            con, list(slots.values()), archive_dir=sws_home.archive, key=load_key(sws_home.home)
        )
    return sws_home


def test_the_failures_csv_holds_no_formula(formula_in_quarantine, sws, tmp_path):
    printed = sws("failures", "--org", "BHSCT")
    assert printed.status == 0
    out = tmp_path / "failures.csv"
    assert sws("failures", "--org", "BHSCT", "--out", out).status == 0
    for text in (printed.out, out.read_text()):
        values = pl.read_csv(text.encode(), infer_schema=False)["value"].to_list()
        assert values == ["'" + FORMULA]


def test_a_consumer_name_is_a_name_not_a_formula(sws_home, sws):
    run = sws("extract", "--period", "2025-26-Q1", "--for", FORMULA)
    assert run.status == 2
    assert run.err.startswith(f"sws extract: --for {FORMULA!r}: a consumer's name is letters")


# -- the pack's folder ------------------------------------------------------------------------


def _earlier_pack(folder):
    (folder / "csv").mkdir(parents=True)
    (folder / "csv" / "outcome1.csv").write_text("x\n")
    (folder / "gate").mkdir()
    (folder / "gate" / "validation_result.json").write_text("{}")
    (folder / "SHA256SUMS").write_text("0" * 64 + "  csv/outcome1.csv\n")


def test_a_pack_may_go_to_a_new_or_empty_folder_or_over_an_earlier_pack(tmp_path):
    check_out_dir(tmp_path / "new")
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty")
    _earlier_pack(tmp_path / "earlier")
    (tmp_path / "earlier" / "my notes.txt").write_text("kept: beside the pack's entries")
    check_out_dir(tmp_path / "earlier")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(lambda d: d.write_text("x"), "is not a folder", id="a-file"),
        pytest.param(
            lambda d: (d.mkdir(), (d / "thesis.docx").write_text("x")),
            "is not empty and holds no earlier pack (no SHA256SUMS)",
            id="someone-elses-folder",
        ),
        pytest.param(
            lambda d: (_earlier_pack(d), (d / "csv" / "mine.csv").write_text("x")),
            "csv/mine.csv is not the earlier pack's and would be replaced with csv/",
            id="a-file-of-ours-in-csv",
        ),
        pytest.param(
            lambda d: (
                _earlier_pack(d),
                (d / "csv" / "outcome1.csv").unlink(),
                (d / "csv" / "sub").mkdir(),
                (d / "csv" / "sub" / "x.csv").write_text("x"),
            ),
            "csv/sub/x.csv is not the earlier pack's",
            id="a-folder-in-csv",
        ),
    ],
)
def test_any_other_folder_is_refused_before_anything_is_written(tmp_path, sws, make, words):
    folder = tmp_path / "out"
    make(folder)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(OutDirRefused) as refused:
        check_out_dir(folder)
    assert words in str(refused.value)
    run = sws("extract", "--period", "2025-26-Q1", "--out", folder)
    assert run.status == 2
    [line] = run.err.splitlines()
    assert line.startswith("sws extract: ") and words in line
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


# -- one line, exit 2 ---------------------------------------------------------------------------


def _cases(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    afile = tmp_path / "a-file.csv"
    afile.write_text("x\n")
    missing = tmp_path / "no-such-folder" / "out.csv"
    return [
        (
            ["failures", "--org", "BHSCT", "--period", "garbage"],
            "not a period (YYYY-YY-Qn): 'garbage'",
        ),
        (
            ["failures", "--org", "BHSCT", "--period", "2025-27-Q1"],
            "not a period (years do not follow)",
        ),
        (
            ["failures", "--org", "BHSCT", "--out", missing],
            f"no folder {missing.parent} to write out.csv in",
        ),
        (
            ["failures", "--org", "BHSCT", "--out", folder],
            f"{folder} is a folder: give a file name",
        ),
        (["status", "--period", "2025-26-Q9"], "not a period (YYYY-YY-Qn): '2025-26-Q9'"),
        (["extract", "--period", "Q4"], "not a period (YYYY-YY-Qn): 'Q4'"),
        (["extract", "--period", "2025-26-Q4", "--out", afile], f"{afile} is not a folder"),
        (["cull-report", "--out", folder], f"{folder} is a folder: give a file name"),
        (["cull-report", "--out", missing], f"no folder {missing.parent} to write out.csv in"),
        (["validate", tmp_path / "nope.csv"], f"{tmp_path / 'nope.csv'}: no such file"),
        (["load", "--landing", missing], f"no landing folder at {missing}"),
        (["rotate-key"], "no warehouse at "),
        (["sample", "--out", folder, "--periods", "0"], "periods must be at least 1"),
        (["sample", "--out", folder, "--end-period", "2025"], "not a period (YYYY-YY-Qn): '2025'"),
        (["sample", "--out", folder, "--bad-rows", "2"], "bad_rows must be in [0, 1)"),
        (["sample", "--out", afile], f"Not a directory: {afile}"),
        (["failures", "--org", "BHSCT"], "no warehouse at "),
    ]


def test_every_command_that_cannot_run_says_so_in_one_line(sws_home, sws, tmp_path):
    for args, words in _cases(tmp_path):
        run = sws(*args)
        assert run.status == 2, (args, run.out, run.err)
        [line] = run.err.splitlines()
        assert line.startswith(f"sws {args[0]}: ") and words in line, (args, line)


def test_validating_a_folder_refuses_it_as_not_a_regular_file(tmp_path, sws):
    folder = tmp_path / "dsf_BHSCT_2025-26-Q1.csv"
    folder.mkdir()
    run = sws("validate", folder)
    assert run.status == 2
    assert run.out.strip() == (
        f"{folder}: refused: {folder.name}: a folder, not a regular file: refused, nothing of "
        "it is read"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes past permissions")
def test_a_path_without_permission_is_one_line(sws_home, sws, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    run = sws("failures", "--org", "BHSCT", "--out", locked / "x.csv")
    assert run.status == 2 and len(run.err.splitlines()) == 1


def test_an_unexpected_os_error_is_one_line_too(sws_home, sws, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(sws_home.landing))

    monkeypatch.setattr("pipelines.ingest.landing.os.scandir", denied)
    run = sws("load")
    assert run.status == 2
    assert run.err.strip() == f"sws load: Permission denied: {sws_home.landing}"


INSTANCE = """
import sys
from pipelines.cli import _dagster_instance
from pipelines.settings import export_environment, load_settings

settings = load_settings()
export_environment(settings)
_dagster_instance(settings).get_runs(limit=1)
print("ok")
"""


def test_two_first_loads_at_once_make_the_dagster_instance_once(sws_home):
    env = {**os.environ, "SWS_HOME": str(sws_home.home), "DAGSTER_HOME": str(sws_home.dagster_home)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", INSTANCE],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [worker.communicate(timeout=300) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0], [
        err[-500:] for _, err in results
    ]
    assert [out.strip() for out, _ in results] == ["ok"] * 3


def test_a_busy_warehouse_is_said_in_one_line(monkeypatch, capsys):
    from pipelines import cli
    from pipelines.warehouse import WarehouseBusy

    def busy(args):
        raise WarehouseBusy("another load holds the warehouse")

    monkeypatch.setattr(cli, "_failures", busy)
    assert cli.main(["failures", "--org", "BHSCT"]) == cli.COULD_NOT_RUN
    assert capsys.readouterr().err == "sws failures: another load holds the warehouse\n"


def test_sws_validate_does_not_import_the_warehouse(tmp_path):
    path = factory.write_return(tmp_path, "dsf")
    code = (
        "import sys; from pipelines.cli import main; main(['validate', sys.argv[1]]); "
        "print(sorted(m for m in sys.modules if m.startswith(('duckdb', 'pipelines.warehouse'))))"
    )
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert run.stdout.splitlines()[-1] == "[]", run.stderr


@pytest.mark.parametrize("threads", ["0", "-1", "two", "1.5", "\u0663"])
def test_a_bad_dbt_threads_setting_is_said_before_anything_runs(
    sws_home, sws, monkeypatch, threads
):
    monkeypatch.setenv("SWS_DBT_THREADS", threads)
    run = sws("load")
    assert run.status == 2
    assert run.err == "sws load: SWS_DBT_THREADS must be a whole number of threads, 1 or more\n"
    assert not sws_home.warehouse.exists()
    with pytest.raises(ValueError, match=r"^SWS_DBT_THREADS must be a whole number"):
        dbt_cli()  # a run started from the UI says it too


@pytest.mark.parametrize(("threads", "built_at_once"), [(None, 2), ("", 2), ("1", 1), ("3", 3)])
def test_dbt_threads_default_to_two(monkeypatch, threads, built_at_once):
    if threads is None:
        monkeypatch.delenv("SWS_DBT_THREADS", raising=False)
    else:
        monkeypatch.setenv("SWS_DBT_THREADS", threads)
    assert dbt_threads() == built_at_once
