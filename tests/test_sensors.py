"""The landing sensor and the schedules, evaluated as the Dagster daemon would."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from dagster import DagsterInstance, build_schedule_context, build_sensor_context
from dagster._utils.schedules import cron_string_iterator

from pipelines.defs.definitions import build_defs
from pipelines.defs.resources import build_resources
from pipelines.defs.schedules import quarterly_regional_refresh
from pipelines.defs.sensors import landing_sensor
from pipelines.sample import generate
from tests.conftest import load_all_but

# the Dagster definitions are built from the dbt manifest
pytestmark = pytest.mark.usefixtures("dbt_manifest")

COLLECTIONS = ("star", "ascot", "dsf", "raw", "workforce", "indicators")


def _models_built(settings) -> None:
    """As after a passing dbt build with the current code: new returns get land_ runs."""
    settings.dbt_target.mkdir(parents=True, exist_ok=True)
    results = {"args": {"which": "build"}, "results": [{"status": "success"}]}
    (settings.dbt_target / "run_results.json").write_text(json.dumps(results))


def _tick(settings, instance=None):
    context = build_sensor_context(
        instance=instance or DagsterInstance.ephemeral(),
        resources={"warehouse": build_resources(settings)["warehouse"]},
    )
    return list(landing_sensor(context))


def test_a_new_return_starts_a_run_for_exactly_its_partition(sws_home):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    _models_built(sws_home)
    requests = _tick(sws_home)
    assert len(requests) == 5 * 5 + 6  # five returns of five Trusts, six indicator returns
    star = next(r for r in requests if r.tags["sws/file"] == "star_BHSCT_2025-26-Q1.csv")
    assert star.job_name == "land_star"
    assert star.partition_key == "BHSCT|2025-26-Q1"
    assert star.run_key.startswith("star_BHSCT_2025-26-Q1.csv@")
    assert len({r.run_key for r in requests}) == len(requests)


def test_the_same_file_gives_the_same_run_key_so_it_runs_once(sws_home):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    assert [r.run_key for r in _tick(sws_home)] == [r.run_key for r in _tick(sws_home)]


def test_a_resubmission_starts_one_new_run_for_its_partition(sws_home):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    _models_built(sws_home)
    before = {r.run_key for r in _tick(sws_home)}
    v1 = sws_home.landing / "dsf" / "dsf_WHSCT_2025-26-Q1.csv"
    lines = v1.read_text().splitlines()
    v1.with_name("dsf_WHSCT_2025-26-Q1_v2.csv").write_text("\n".join(lines[:4]) + "\n")
    new = [r for r in _tick(sws_home) if r.run_key not in before]
    assert len(new) == 1
    assert new[0].tags["sws/file"] == "dsf_WHSCT_2025-26-Q1_v2.csv"
    assert (new[0].job_name, new[0].partition_key) == ("land_dsf", "WHSCT|2025-26-Q1")


def test_a_changed_file_of_the_same_version_runs_again(sws_home):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    _models_built(sws_home)
    path = sws_home.landing / "workforce" / "workforce_NHSCT_2025-26-Q1.csv"
    before = {r.tags["sws/file"]: r.run_key for r in _tick(sws_home)}
    path.write_text("\n".join(path.read_text().splitlines()[:3]) + "\n")
    after = {r.tags["sws/file"]: r.run_key for r in _tick(sws_home)}
    assert after[path.name] != before[path.name]
    assert {k for k in after if after[k] != before[k]} == {path.name}


def test_a_file_refused_for_its_name_starts_no_run_and_is_logged(sws_home, capsys):
    (sws_home.landing / "star").mkdir()
    (sws_home.landing / "star" / "star_BELFAST_2025-26-Q1.csv").write_text("x\n")
    assert _tick(sws_home) == []
    assert "refused: star_BELFAST_2025-26-Q1.csv: unknown org 'BELFAST'" in capsys.readouterr().err


def test_the_sensor_and_schedule_are_in_the_definitions(sws_home):
    defs = build_defs(sws_home)
    assert defs.resolve_sensor_def("landing_sensor")
    assert defs.resolve_schedule_def("quarterly_regional_refresh")


def _refresh_tick(settings):
    context = build_schedule_context(
        scheduled_execution_time=dt.datetime(2025, 8, 15, 6, tzinfo=dt.UTC),
        resources={"warehouse": build_resources(settings)["warehouse"]},
    )
    return quarterly_regional_refresh.evaluate_tick(context)


def test_the_quarterly_refresh_runs_after_each_submission_deadline(sws_home):
    schedule = quarterly_regional_refresh
    assert schedule.job_name == "build_models"
    tick = _refresh_tick(sws_home)
    [request] = tick.run_requests
    assert request.job_name in (None, "build_models")
    assert request.run_key == "refresh-2025-08-15"
    ticks = cron_string_iterator(
        dt.datetime(2025, 4, 1, tzinfo=dt.UTC).timestamp(),
        schedule.cron_schedule,
        schedule.execution_timezone,
    )
    first_four = [next(ticks).strftime("%Y-%m-%d %H:%M") for _ in range(4)]
    assert first_four == [
        "2025-05-15 06:00",
        "2025-08-15 06:00",
        "2025-11-15 06:00",
        "2026-02-15 06:00",
    ]


def test_the_refresh_names_returns_that_landed_but_were_not_loaded(sws_home, capsys):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    tick = _refresh_tick(sws_home)
    assert len(tick.run_requests) == 1  # the models are rebuilt all the same
    warned = [line for line in capsys.readouterr().err.splitlines() if "not loaded" in line]
    assert len(warned) == 6
    assert "star: 5 return(s) landed but not loaded (BHSCT|2025-26-Q1" in "\n".join(warned)


def test_before_the_models_are_built_returns_load_then_one_full_build_follows(sws_home):
    from pipelines.ingest.landing import discover
    from pipelines.ingest.loader import load_slot
    from pipelines.ingest.pseudonyms import load_key
    from pipelines.warehouse import connect

    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    slots, _ = discover(sws_home.landing)
    requests = _tick(sws_home)
    *loads, build = requests  # what `sws load` runs: a run per return for all its partitions
    assert [r.job_name for r in loads] == [f"ingest_{c}" for c in sorted(COLLECTIONS)]
    star = loads[sorted(COLLECTIONS).index("star")]
    assert star.tags == {
        "dagster/asset_partition_range_start": "BHSCT|2025-26-Q1",
        "dagster/asset_partition_range_end": "WHSCT|2025-26-Q1",
    }
    assert build.job_name == "build_models" and build.partition_key is None
    assert [r.run_key for r in _tick(sws_home)] == [r.run_key for r in requests]  # once only
    with connect(sws_home.warehouse) as con:  # while the loads run, the build stays the same
        load_slot(
            con,
            slots[("star", "BHSCT", "2025-26-Q1")],
            archive_dir=sws_home.archive,
            key=load_key(sws_home.home),
        )
    after_one = _tick(sws_home)
    assert after_one[-1].run_key == build.run_key
    assert {r.run_key for r in after_one[:-1]} - {r.run_key for r in loads} == {
        next(r.run_key for r in after_one if r.job_name == "ingest_star")
    }  # only the star block changed: BHSCT is loaded
    (sws_home.landing / "dsf" / "dsf_WHSCT_2025-26-Q1_v2.csv").write_text(
        (sws_home.landing / "dsf" / "dsf_WHSCT_2025-26-Q1.csv").read_text()
    )
    *_, build_again = _tick(sws_home)
    assert build_again.run_key != build.run_key  # a new file: one more build behind it


def test_returns_already_in_the_warehouse_start_nothing(sws_home):
    load_all_but(sws_home, "raw")
    _models_built(sws_home)
    requests = _tick(sws_home)
    assert {r.job_name for r in requests} == {"land_raw"}
    assert len(requests) == 5


def test_a_warehouse_held_by_another_program_skips_the_tick(sws_home):
    import subprocess
    import sys

    from pipelines.warehouse import connect

    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    with connect(sws_home.warehouse):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)",
            str(sws_home.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        [skip] = _tick(sws_home)
        assert skip.skip_message.startswith("the warehouse is held by another process")
    finally:
        holder.kill()
        holder.wait()


def test_the_cull_report_refreshes_itself_by_default(sws_home):
    from dagster import AssetKey, DefaultSensorStatus

    automation = build_defs(sws_home).resolve_sensor_def("cull_report_automation")
    assert automation.default_status == DefaultSensorStatus.RUNNING
    graph = build_defs(sws_home).resolve_asset_graph()
    assert automation.asset_selection.resolve(graph) == {AssetKey(["usage", "cull_report"])}
