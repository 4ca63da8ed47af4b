"""Parallel runs and crashes: the warehouse's single writer never fails a run or loses a load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from dagster import DagsterInstance

from pipelines.defs.partitions import slot_key
from pipelines.sample import generate
from pipelines.settings import export_environment
from pipelines.warehouse import connect

# the Dagster definitions are built from the dbt manifest
pytestmark = pytest.mark.usefixtures("dbt_manifest")

WORKER = """
import sys
from dagster import DagsterInstance
from pipelines.defs.definitions import build_defs
from pipelines.settings import export_environment, load_settings

settings = load_settings()
export_environment(settings)
job = build_defs(settings).resolve_job_def("ingest_dsf")
failed = 0
for key in sys.argv[1:]:
    result = job.execute_in_process(
        instance=DagsterInstance.get(), partition_key=key, raise_on_error=False
    )
    failed += not result.success
sys.exit(failed)
"""


def _env(settings) -> dict[str, str]:
    return {**os.environ, "SWS_HOME": str(settings.home)}


def test_a_backfill_of_five_trusts_by_eight_periods_in_parallel_runs_loses_nothing(sws_home):
    generate(sws_home.landing, periods=8, end_period="2025-26-Q4", scale=0.01, seed=6)
    files = sorted((sws_home.landing / "dsf").glob("*.csv"))
    keys = [str(slot_key(f.stem.split("_")[1], f.stem.split("_")[2])) for f in files]
    assert len(keys) == 40
    export_environment(sws_home)
    DagsterInstance.get().dispose()  # create the run storage once, as the daemon would
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *keys[i::4]], env=_env(sws_home), cwd=sws_home.home
        )
        for i in range(4)
    ]
    assert [w.wait(timeout=600) for w in workers] == [0, 0, 0, 0]
    with connect(sws_home.warehouse, read_only=True) as con:
        [(slots, current)] = con.execute(
            "select count(*), count_if(is_current) from ingest.file_versions"
        ).fetchall()
        [(rows,)] = con.execute("select count(*) from returns.dsf").fetchall()
    assert (slots, current) == (40, 40)
    expected = sum(len(f.read_text().splitlines()) - 1 for f in files)
    assert rows == expected


KILLED_LOAD = """
import sys, time
from pathlib import Path
from pipelines.ingest import loader
from pipelines.ingest.landing import discover
from pipelines.warehouse import connect

record = loader.record_version

def record_then_stall(*args, **kwargs):
    # inside the slot's transaction: rows deleted and inserted, the version being recorded
    record(*args, **kwargs)
    print("mid-write", flush=True)
    time.sleep(60)

loader.record_version = record_then_stall
slots, _ = discover(Path(sys.argv[1]))
with connect(Path(sys.argv[2])) as con:
    for files in slots.values():
        loader.load_slot(con, files, archive_dir=Path(sys.argv[3]), key=b"k")
"""


def _table_contents(settings) -> dict[str, list]:
    with connect(settings.warehouse, read_only=True) as con:
        return {
            "rows": sorted(con.execute("from returns.workforce").fetchall(), key=repr),
            "versions": sorted(
                con.execute(
                    "select collection, org, period, version, sha256, rows, loaded, "
                    "quarantined, is_current from ingest.file_versions"
                ).fetchall()
            ),
        }


def _load(settings) -> None:
    from pipelines.ingest.landing import discover
    from pipelines.ingest.loader import load_slot

    slots, _ = discover(settings.landing)
    with connect(settings.warehouse) as con:
        for files in slots.values():
            load_slot(con, files, archive_dir=settings.archive, key=b"k")


@pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL semantics")
def test_a_load_killed_mid_write_leaves_the_last_commit_and_reruns_to_the_same_result(
    sws_home, tmp_path
):
    generate(sws_home.landing, periods=2, end_period="2025-26-Q4", scale=0.02, seed=8)
    for path in sws_home.landing.glob("*/*"):
        if not path.name.startswith("workforce_BHSCT"):
            path.unlink()
    # the uninterrupted result, in a warehouse of its own
    reference = type(sws_home)(home=tmp_path / "reference", landing=sws_home.landing)
    _load(reference)
    expected = _table_contents(reference)
    first = sorted(sws_home.landing.glob("workforce/*"))[0]
    hidden = first.rename(tmp_path / first.name)
    _load(sws_home)  # the first quarter is committed
    committed = _table_contents(sws_home)
    hidden.rename(first)
    killed = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_LOAD,
            str(sws_home.landing),
            str(sws_home.warehouse),
            str(sws_home.archive),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(sws_home),
    )
    assert killed.stdout.readline().strip() == "mid-write"
    assert _table_contents(sws_home) == committed  # a reader meanwhile: not refused, no wait
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    time.sleep(0.2)
    assert _table_contents(sws_home) == committed  # the half-done transaction is gone
    _load(sws_home)
    assert _table_contents(sws_home) == expected


WRITER = """
import sys
from pathlib import Path
from pipelines.warehouse import connect

with connect(Path(sys.argv[1])) as con:
    con.execute("create table usage.marker as select 42 as answer")
    print("committed", flush=True)
    sys.stdin.readline()  # hold the turn until the test says so
print("published", flush=True)
"""


def test_readers_read_the_published_state_while_a_writer_holds_its_turn(sws_home, sws):
    with connect(sws_home.warehouse):
        pass  # a first, empty warehouse is published
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(sws_home.warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(sws_home),
    )
    try:
        assert writer.stdout.readline().strip() == "committed"
        with connect(sws_home.warehouse, read_only=True) as con:
            tables = {
                t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()
            }
        assert "marker" not in tables  # committed in the working copy, not yet published
        assert sws("status").status == 0  # the CLI's readers too
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "published"
    finally:
        writer.kill()
        writer.wait()
    with connect(sws_home.warehouse, read_only=True) as con:
        assert con.execute("from usage.marker").fetchall() == [(42,)]
