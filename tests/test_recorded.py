"""``sws extract``, ``sws cull-report`` and ``sws status`` call the library directly, and record
what they wrote on the Dagster instance that ``sws load`` runs on: the UI shows the work done."""

from __future__ import annotations

import re

import polars as pl
import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance

from contracts import reference
from pipelines.defs.assets.extract import GATE_CHECK, PACK_KEY
from pipelines.defs.assets.lineage import CULL_REPORT
from pipelines.sample import generate
from pipelines.warehouse import connect

STATUS_REPORT = AssetKey(["submission_status_report"])
GATE = AssetCheckKey(PACK_KEY, GATE_CHECK)


def _latest_period(settings) -> str:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute("select max(period) from marts.outcome1").fetchall()[0][0]


def _materialisations(instance, key, partition=None) -> list:
    records = instance.fetch_materializations(key, limit=1000).records
    return [r.asset_materialization for r in records if partition in (None, r.partition_key)]


def _gate(instance):
    execution = instance.event_log_storage.get_latest_asset_check_execution_by_key([GATE])[GATE]
    return execution.event.asset_check_evaluation


@pytest.fixture
def delivered(regional):
    """Deliveries made by a test are taken out of the shared usage log again."""
    settings = regional[0]
    outs = []
    yield settings, outs
    with connect(settings.warehouse) as con:
        for out in outs:
            con.execute("delete from usage.deliveries where out_dir = ?", [str(out)])


def _extract(delivered, sws, out):
    """``sws extract`` of the latest period into ``out``: the period, the instance, the pack's
    materialisations of that period before, and the run."""
    settings, outs = delivered
    period = _latest_period(settings)
    outs.append(out)
    instance = DagsterInstance.get()
    before = len(_materialisations(instance, PACK_KEY, period))
    return period, instance, before, sws("extract", "--period", period, "--out", out)


def test_sws_extract_records_the_pack_on_its_period_with_its_gate(delivered, sws, tmp_path):
    period, instance, before, run = _extract(delivered, sws, out := tmp_path / "pack")
    assert run.status == 0, run.err
    assert run.err == ""
    recorded = _materialisations(instance, PACK_KEY, period)
    assert len(recorded) == before + 1
    metadata = recorded[0].metadata
    assert metadata["published_in"].path == str(out)
    assert re.fullmatch(r"[0-9a-f]{64}", metadata["pack_sha256"].value)
    # the pack's catalogue: the outcome measures and the LGD rates per 10,000 (not the
    # measures of the returns themselves, which have no outcome)
    pack_measures = reference.seed("measures").filter(pl.col("outcome").is_not_null())
    assert metadata["measures"].value == pack_measures.height
    assert f"- `odb_extract_{period}.xlsx`" in metadata["files"].value.splitlines()
    assert metadata["gate"].value.startswith("gate passed")
    gate = _gate(instance)
    assert (gate.passed, gate.metadata["period"].value) == (True, period)
    assert gate.metadata["failed"].value == 0


def test_a_pack_failing_its_gate_records_a_failed_gate_and_no_pack(
    delivered, sws, tmp_path, leaky_disclosure
):
    period, instance, before, run = _extract(delivered, sws, tmp_path / "leaky")
    assert run.status == 1
    assert len(_materialisations(instance, PACK_KEY, period)) == before
    assert run.err.splitlines()[-1].startswith("sws extract: not published: ")
    assert "not recorded" not in run.err
    gate = _gate(instance)
    assert (gate.passed, gate.metadata["period"].value) == (False, period)
    assert gate.metadata["failed"].value > 0


def test_sws_cull_report_records_the_report(regional, sws, tmp_path):
    out = tmp_path / "cull.csv"
    run = sws("cull-report", "--out", out)
    assert run.status == 0, run.err
    [latest] = _materialisations(DagsterInstance.get(), CULL_REPORT)[:1]
    report = pl.read_csv(out)
    assert latest.metadata["path"].path == str(out)
    assert latest.metadata["items"].value == report.height
    assert latest.metadata["recommended_for_culling"].value == report["recommend_cull"].sum()


def test_sws_status_records_the_period_it_printed(regional, sws):
    period = _latest_period(regional[0])
    run = sws("status", "--period", period, "--json")
    assert run.status == 0, run.err
    lines = run.json_lines()
    [latest] = _materialisations(DagsterInstance.get(), STATUS_REPORT)[:1]
    assert latest.metadata["period"].value == period
    assert latest.metadata["loaded"].value == sum(line["status"] == "loaded" for line in lines)
    assert latest.metadata["returns"].value.count("\n") == len(lines) + 1  # header, rule, rows


def test_an_instance_that_cannot_record_leaves_the_command_its_result(sws_home, sws, monkeypatch):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=4)
    broken = sws_home.home / "broken-dagster"
    broken.mkdir()
    (broken / "dagster.yaml").write_text("storage: {no_such_storage: {}}\n")
    monkeypatch.setenv("DAGSTER_HOME", str(broken))
    run = sws("status", "--period", "2025-26-Q1")
    assert run.status == 0
    assert run.out.startswith("Returns for 2025-26-Q1")
    [line] = run.err.splitlines()
    assert line.startswith("sws status: done, but not recorded in Dagster: ")
