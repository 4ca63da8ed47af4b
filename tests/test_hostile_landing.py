"""A hostile landing folder, end to end through `sws load` (Dagster, dbt): a symlink to a
secret, a poison-pill version, a half-written file, two files claiming one version, unreadable
files and failing rows, each carrying marker values. Every other return loads, and no marker
reaches the warehouse, its working copy, Dagster's storage, the logs or any output.

Then a load with nothing new runs nothing; and with a changed key `sws load` refuses, while
`sws rotate-key` rotates the warehouse from the archive and asks for a full rebuild.
"""

from __future__ import annotations

import io
import threading

import polars as pl
import pytest

from pipelines.ingest.planning import BUILD_MODELS_JOB, PlannedRun, plan_load
from pipelines.sample import generate
from pipelines.warehouse import connect, working_copy
from tests.conftest import found_in_warehouse, use_home

pytestmark = pytest.mark.usefixtures("dbt_manifest")

P = "2025-26-Q4"
MARKERS = [f"QZMARK{n:02d}X" for n in range(1, 13)]
HCN_DIGITS = "9081726354"  # a failing hcn's first ten digits: shown masked, never whole


def _csv(settings, collection: str, org: str, version: int = 1):
    suffix = "" if version == 1 else f"_v{version}"
    return settings.landing / collection / f"{collection}_{org}_{P}{suffix}.csv"


def _lines(path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def _plant(settings, tmp_path) -> dict[str, str]:
    """The hostile files; what each should come to (file -> expected line start)."""
    m = iter(MARKERS)
    expected = {}
    # an unreadable v1: an unterminated quote in a row carrying a marker
    path = _csv(settings, "dsf", "NHSCT")
    lines = _lines(path)
    lines[2] = b'"' + next(m).encode() + lines[2]
    path.write_bytes(b"\n".join(lines))
    expected[path.name] = "refused: dsf_NHSCT_2025-26-Q4.csv: unreadable CSV file: line 3:"
    # not UTF-8
    path = _csv(settings, "ascot", "SHSCT")
    lines = _lines(path)
    lines[3] = lines[3].replace(b",", b",\xff" + next(m).encode(), 1)
    path.write_bytes(b"\n".join(lines))
    expected[path.name] = "refused: ascot_SHSCT_2025-26-Q4.csv: unreadable CSV file: line 4:"
    # too many fields
    path = _csv(settings, "raw", "NHSCT")
    lines = _lines(path)
    lines[1] += b"," + next(m).encode() + b",x"
    path.write_bytes(b"\n".join(lines))
    expected[path.name] = "refused: raw_NHSCT_2025-26-Q4.csv: unreadable CSV file: line 2: 12 "
    # a damaged workbook and a damaged Parquet file, as resubmissions
    frame = pl.read_csv(_csv(settings, "workforce", "SEHSCT"), infer_schema=False)
    frame = frame.with_columns(pl.lit(next(m)).alias("worker_id"))
    buffer = io.BytesIO()
    frame.write_excel(buffer)
    path = settings.landing / "workforce" / f"workforce_SEHSCT_{P}_v2.xlsx"
    path.write_bytes(buffer.getvalue()[:-300])
    expected[path.name] = f"refused: {path.name}: unreadable XLSX file"
    frame = pl.read_csv(_csv(settings, "star", "WHSCT"), infer_schema=False)
    buffer = io.BytesIO()
    frame.with_columns(pl.lit(next(m)).alias("reading_id")).write_parquet(buffer)
    path = settings.landing / "star" / f"star_WHSCT_{P}_v2.parquet"
    path.write_bytes(buffer.getvalue()[:-20])
    expected[path.name] = f"refused: {path.name}: unreadable PARQUET file"
    # a symlink to a secret outside the landing folder
    secret = tmp_path / "secret.conf"
    secret.write_text(f"password={next(m)}\n")
    path = _csv(settings, "dsf", "WHSCT", version=3)
    path.symlink_to(secret)
    expected[path.name] = f"refused: {path.name}: a symbolic link, not a regular file"
    # a poison-pill version
    path = _csv(settings, "ascot", "BHSCT", version=2147483648)
    path.write_bytes(_csv(settings, "ascot", "BHSCT").read_bytes() + next(m).encode() + b"\n")
    expected[path.name] = f"refused: {path.name}: version _v2147483648 is too high"
    # two files claiming one version
    marker = next(m).encode()
    for name in (f"dsf_SEHSCT_{P}_v2.csv", f"dsf_SEHSCT_{P}_v2.parquet"):
        content = _csv(settings, "dsf", "SEHSCT").read_bytes().replace(b"SE-E-", marker, 1)
        (settings.landing / "dsf" / name).write_bytes(content)
        expected[name] = f"refused: {name}: dsf_SEHSCT_{P}_v2."
    # a file refused for its columns
    path = _csv(settings, "raw", "SEHSCT", version=2)
    path.write_text(f"response_id,hcn\n{next(m)},1\n")
    expected[path.name] = f"refused: {path.name}: missing mandatory column"
    # failing rows whose other values carry markers
    path = _csv(settings, "dsf", "BHSCT")
    frame = pl.read_csv(path, infer_schema=False)
    spoilt = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(next(m)))
        .otherwise(pl.col("event_id"))
        .alias("event_id"),
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("Q"))
        .otherwise(pl.col("sex"))
        .alias("sex"),
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit(HCN_DIGITS + "1"))
        .otherwise(pl.col("hcn"))
        .alias("hcn"),
    )
    spoilt.write_csv(path)
    expected[path.name] = (
        f"{path.name}  rows {frame.height}  loaded {frame.height - 2}  quarantined 2"
    )
    return expected


class Copying:
    """A return still being copied in: a line with a marker every 50 ms."""

    def __init__(self, path, marker: str):
        self.path, self.marker = path, marker
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)

    def _write(self):
        header = _lines(self.path.with_name(self.path.name.replace("_v2", "")))[0]
        self.path.write_bytes(header + b"\n")
        while not self.stop.wait(0.05):
            with self.path.open("a") as handle:
                handle.write(f"{self.marker},1,2,3\n")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = use_home(monkeypatch, tmp_path / "sws")
        generate(settings.landing, periods=2, end_period=P, scale=0.01, seed=12)
        total = sum(1 for _ in settings.landing.glob("*/*.csv"))
        expected = _plant(settings, tmp_path)
        from pipelines.cli import main

        outputs = []

        def sws(*args):
            out, err = io.StringIO(), io.StringIO()
            from contextlib import redirect_stderr, redirect_stdout

            with redirect_stdout(out), redirect_stderr(err):
                status = main([str(a) for a in args])
            outputs.append(out.getvalue() + err.getvalue())
            return status, out.getvalue(), err.getvalue()

        half = _csv(settings, "raw", "WHSCT", version=2)
        expected[half.name] = "still being written, will be retried"
        monkeypatch.setenv("SWS_LANDING_SETTLE_SECONDS", "1")
        with Copying(half, MARKERS[-1]):
            load = sws("load")
        half.unlink()
        monkeypatch.setenv("SWS_LANDING_SETTLE_SECONDS", "0")
        yield settings, monkeypatch, sws, outputs, expected, total, load


def test_every_other_return_loads(hostile):
    settings, _, _, _, expected, total, (status, out, err) = hostile
    assert status == 2, err  # refused files
    lines = out.splitlines()
    for name, words in expected.items():
        [line] = [line for line in lines if line.startswith(f"{name}  ")]
        assert line.startswith(f"{name}  {words}") or line.startswith(words), line
    loaded = [line for line in lines if "  rows " in line]
    # every return but the three whose only version is unreadable
    assert len(loaded) == total - 3
    with connect(settings.warehouse, read_only=True) as con:
        [(current,)] = con.execute(
            "select count(*) from ingest.file_versions where is_current"
        ).fetchall()
        [(marts,)] = con.execute("select count(*) from marts.outcome1").fetchall()
    assert current == total - 3 and marts > 0


def test_no_marker_is_kept_logged_or_printed_anywhere(hostile, tmp_path):
    settings, _, sws, outputs, expected, _, _ = hostile
    for org in ("BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT"):
        sws("failures", "--org", org)
        sws("failures", "--org", org, "--out", tmp_path / f"{org}.csv")
    sws("status", "--period", P)
    sws("status", "--period", P, "--json")
    planted = [settings.landing / name.split("_")[0] / name for name in expected]
    for path in planted:  # the hostile files, as an analyst would check them
        if path.is_file() and not path.is_symlink():
            sws("validate", path)
            sws("validate", path, "--json")
    needles = [*MARKERS, HCN_DIGITS]
    printed = "\n".join(outputs)
    assert "*******541" in printed  # the failing hcn, masked
    for needle in needles:
        assert needle not in printed, needle
    kept = [
        p
        for p in settings.home.rglob("*")
        if p.is_file() and not {"archive", "landing"} & set(p.relative_to(settings.home).parts)
    ]
    artefacts = [*kept, *tmp_path.glob("*.csv")]
    names = {p.name for p in artefacts}
    assert {"warehouse.duckdb", "sws-load.log", "runs.db"} <= names, names
    for path in artefacts:
        content = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in content, f"{needle} in {path}"
    for warehouse in (settings.warehouse, working_copy(settings.warehouse)):
        assert found_in_warehouse(warehouse, *needles) == []


def test_a_load_with_nothing_new_runs_nothing(hostile):
    settings, _, sws, _, _, _, _ = hostile
    assert plan_load(settings) == []
    log = settings.home / "logs" / "sws-load.log"
    size = log.stat().st_size
    status, _, _ = sws("load")
    assert status == 2  # the refused files are still there
    assert log.stat().st_size == size  # no Dagster run, no dbt


def test_a_changed_key_is_refused_then_rotated_deliberately(hostile, monkeypatch):
    """The rotation's rebuild is asked for, not run here (a dbt build costs tens of seconds):
    that the rotated returns equal a fresh load with the new key, and so build the same
    marts, is tests/test_key_rotation.py's."""
    settings, fixture_env, sws, _, _, total, _ = hostile
    star = "select count(distinct person_key), count(distinct (person_key, reading_id)) from "
    with connect(settings.warehouse, read_only=True) as con:
        keys_before = set(con.execute("select distinct person_key from returns.dsf").fetchall())
        people_before = con.execute(star + "returns.star").fetchall()
    fixture_env.setenv("SWS_PSEUDO_KEY", "the new key, from the vault")
    status, _, err = sws("load")
    assert status == 2 and err.startswith("sws load: the pseudonym key")
    builds = []
    monkeypatch.setattr(
        "pipelines.cli._execute", lambda settings, runs: (builds.extend(runs) or [], None)
    )
    status, out, err = sws("rotate-key")
    assert status == 0, err
    assert out.startswith(f"{total - 3} returns re-pseudonymised with the new key from the archive")
    assert builds == [PlannedRun(BUILD_MODELS_JOB)]  # every model rebuilt
    with connect(settings.warehouse, read_only=True) as con:
        keys_after = set(con.execute("select distinct person_key from returns.dsf").fetchall())
        assert con.execute(star + "returns.star").fetchall() == people_before
    assert len(keys_after) == len(keys_before) and not keys_after & keys_before
    # had that build not run, the next load would run it: the models are behind the returns
    assert plan_load(settings) == [PlannedRun(BUILD_MODELS_JOB)]
    status, out, _ = sws("rotate-key")
    assert (status, out.strip()) == (
        0,
        "the warehouse is pseudonymised with this key already: nothing to rotate",
    )
