"""The regional deployment for real: a PostgreSQL server, the instance of
``deploy/regional/dagster.yaml`` on it, and ``dagster-daemon`` with the landing sensor.

Two Trusts' returns land at once; the daemon's sensor queues a run for each; the run queue
lets one warehouse writer run at a time. Skipped where Debian's ``postgresql`` is absent
(``.ci/run`` installs it).
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from pipelines.cli import main
from pipelines.sample import generate
from pipelines.warehouse import connect
from tests.conftest import use_home
from tests.servers import postgres_bin, postgres_server, started, wait_until

REPO = Path(__file__).resolve().parent.parent
PG_BIN = postgres_bin()
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("dbt_manifest"),
    pytest.mark.skipif(PG_BIN is None, reason="no PostgreSQL server (apt-get install postgresql)"),
]

PERIOD = "2025-26-Q4"
DROPPED = ("dsf_BHSCT_2025-26-Q4.csv", "dsf_SEHSCT_2025-26-Q4.csv")  # two Trusts, at once
KEY = "regional-test-pseudonym-key"
WRITER = ("sws/writes", "warehouse")
DONE = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def _marts(warehouse: Path) -> dict[str, list]:
    with connect(warehouse, read_only=True) as con:
        return {
            f"outcome{n}": sorted(con.execute(f"from marts.outcome{n}").fetchall(), key=repr)
            for n in range(1, 5)
        }


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Sample returns, all but two Trusts' dsf files loaded by ``sws load``; that home copied
    (its own instance aside) to be the regional one. Then the two files are loaded twice: by
    ``sws load`` in the first home (the reference), and by the regional daemon after they land
    together in the copy."""
    root = tmp_path_factory.mktemp("regional")
    source, held_back = root / "returns", root / "held_back"
    generate(source, periods=1, end_period=PERIOD, scale=0.02, seed=8)
    held_back.mkdir()
    for name in DROPPED:
        (source / "dsf" / name).rename(held_back / name)
    with pytest.MonkeyPatch.context() as monkeypatch:
        reference = use_home(monkeypatch, root / "reference")
        monkeypatch.setenv("SWS_PSEUDO_KEY", KEY)
        shutil.copytree(source, reference.landing, dirs_exist_ok=True)
        assert main(["load"]) == 0
        shutil.copytree(
            reference.home, root / "regional", ignore=shutil.ignore_patterns("dagster", "logs")
        )
        for name in DROPPED:
            shutil.copy(held_back / name, reference.landing / "dsf" / name)
        assert main(["load"]) == 0
        reference_marts = _marts(reference.warehouse)

    with postgres_server(PG_BIN) as pg, pytest.MonkeyPatch.context() as monkeypatch:
        home = use_home(monkeypatch, root / "regional")
        monkeypatch.setenv("SWS_PSEUDO_KEY", KEY)
        for name, value in pg.environment().items():
            monkeypatch.setenv(name, value)
        home.dagster_home.mkdir(parents=True)
        shutil.copy(REPO / "deploy" / "regional" / "dagster.yaml", home.dagster_home)
        instance = DagsterInstance.get()
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        monkeypatch.setenv("SWS_LANDING_POLL_SECONDS", "2")
        daemon = [
            str(Path(sys.executable).with_name("dagster-daemon")),
            *("run", "-w", str(REPO / "deploy" / "regional" / "workspace.yaml")),
        ]
        with started(daemon, log=root / "daemon.log", cwd=REPO, env=dict(os.environ)):
            for name in DROPPED:  # a rename: each file lands whole, both in the same moment
                (held_back / name).rename(home.landing / "dsf" / name)
            runs = wait_until(
                lambda: _finished_land_runs(instance),
                timeout=600,
                every=2,
                what=f"the daemon to load {', '.join(DROPPED)}",
            )
            # the cull report's automation may follow the loads: let it finish too
            wait_until(
                lambda: not instance.get_runs(RunsFilter(statuses=_unfinished())),
                timeout=300,
                every=2,
                what="every run to finish",
            )
        records = instance.get_run_records()
        yield {
            "runs": runs,
            "records": records,
            "instance": instance,
            "marts": _marts(home.warehouse),
            "reference_marts": reference_marts,
        }


def _unfinished() -> list[DagsterRunStatus]:
    return [s for s in DagsterRunStatus if s not in DONE]


def _finished_land_runs(instance: DagsterInstance):
    runs = instance.get_runs(RunsFilter(job_name="land_dsf"))
    if len(runs) >= len(DROPPED) and all(run.status in DONE for run in runs):
        return runs
    return None


def test_both_loads_succeed(deployment):
    runs = deployment["runs"]
    assert sorted(run.tags["sws/file"] for run in runs) == sorted(DROPPED)
    assert [run.status for run in runs] == [DagsterRunStatus.SUCCESS] * len(DROPPED)
    partitions = {run.tags["dagster/partition"] for run in runs}
    assert partitions == {f"BHSCT|{PERIOD}", f"SEHSCT|{PERIOD}"}


def test_runs_queue_under_the_writer_limit_with_no_lock_failure(deployment):
    records = deployment["records"]
    writers = sorted(
        (r for r in records if r.dagster_run.tags.get(WRITER[0]) == WRITER[1] and r.start_time),
        key=lambda r: r.start_time,
    )
    land = [r for r in writers if r.dagster_run.job_name == "land_dsf"]
    assert len(land) == len(DROPPED)
    # both were requested together; the queue held the second until the first had ended
    first, second = land
    assert second.create_timestamp.timestamp() < first.end_time
    for earlier, later in itertools.pairwise(writers):
        assert later.start_time >= earlier.end_time, "two warehouse writers ran at once"
    assert all(r.dagster_run.status == DagsterRunStatus.SUCCESS for r in records)
    instance = deployment["instance"]
    for record in land:
        messages = [e.message or "" for e in instance.all_logs(record.dagster_run.run_id)]
        assert not [m for m in messages if "Could not set lock" in m or "WarehouseBusy" in m]


def test_the_marts_equal_a_sws_load_of_the_same_files(deployment):
    assert deployment["marts"] == deployment["reference_marts"]
    assert sum(len(rows) for rows in deployment["marts"].values()) > 0
