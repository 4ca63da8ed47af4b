"""Submission status: who is loaded, late, refused, waiting or missing."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from pipelines.ingest.landing import discover
from pipelines.ingest.loader import load_slot
from pipelines.sample import generate
from pipelines.status import submission_status
from pipelines.warehouse import connect
from tests.conftest import load_all_but

PERIOD = "2025-26-Q1"  # ends 2025-06-30; due 42 days later, 2025-08-11


def _landed(path, day: dt.date) -> None:
    stamp = dt.datetime(day.year, day.month, day.day, 12).timestamp()
    os.utime(path, (stamp, stamp))


def _load_all(settings) -> None:
    slots, _ = discover(settings.landing)
    with connect(settings.warehouse) as con:
        for files in slots.values():
            load_slot(con, files, archive_dir=settings.archive, key=b"test")


def _by_return(table) -> dict[tuple[str, str], dict]:
    return {(r["collection"], r["org"]): r for r in table.to_dicts()}


def test_nothing_arrived_is_awaited_until_the_deadline_then_missing(sws_home):
    before = submission_status(
        sws_home.warehouse, sws_home.landing, PERIOD, today=dt.date(2025, 8, 11)
    )
    assert before.height == 5 * 5 + 1  # five returns of the Trusts, REGION's indicators
    assert set(before["status"]) == {"awaited"}
    assert (before["due"] == dt.date(2025, 8, 11)).all()
    after = submission_status(
        sws_home.warehouse, sws_home.landing, PERIOD, today=dt.date(2025, 8, 12)
    )
    assert set(after["status"]) == {"missing"}


def test_each_return_gets_its_status(sws_home):
    generate(sws_home.landing, periods=1, end_period=PERIOD, scale=0.01, seed=4)
    for path in sws_home.landing.glob("*/*"):
        _landed(path, dt.date(2025, 7, 20))
    _landed(sws_home.landing / "dsf" / "dsf_SHSCT_2025-26-Q1.csv", dt.date(2025, 8, 20))
    (sws_home.landing / "raw" / "raw_WHSCT_2025-26-Q1.csv").unlink()
    refused = sws_home.landing / "star" / "star_NHSCT_2025-26-Q1_v2.csv"
    refused.write_text("reading_id\nX\n")
    _load_all(sws_home)
    waiting = sws_home.landing / "ascot" / "ascot_BHSCT_2025-26-Q1_v2.csv"
    waiting.write_bytes((sws_home.landing / "ascot" / "ascot_BHSCT_2025-26-Q1.csv").read_bytes())
    table = submission_status(
        sws_home.warehouse, sws_home.landing, PERIOD, today=dt.date(2025, 9, 1)
    )
    status = _by_return(table)
    assert status[("workforce", "BHSCT")]["status"] == "loaded"
    assert status[("workforce", "BHSCT")]["rows"] > 0
    assert status[("dsf", "SHSCT")]["status"] == "loaded late"
    assert status[("raw", "WHSCT")]["status"] == "missing"
    assert status[("star", "NHSCT")]["status"] == "resubmission refused"  # v1 stays loaded
    assert status[("star", "NHSCT")]["version"] == 1
    assert "missing mandatory column" in status[("star", "NHSCT")]["refused"]
    assert status[("ascot", "BHSCT")]["status"] == "loaded"  # v1 loaded; v2 waits in landing
    assert status[("indicators", "REGION")]["status"] == "loaded"
    assert status[("indicators", "BHSCT")]["status"] == "loaded"  # Trusts may send them too
    counts = dict(table["status"].value_counts().iter_rows())
    assert counts == {"loaded": 28, "loaded late": 1, "missing": 1, "resubmission refused": 1}


def test_a_refused_return_with_nothing_loaded_shows_refused(sws_home):
    (sws_home.landing / "dsf").mkdir()
    bad = sws_home.landing / "dsf" / "dsf_BHSCT_2025-26-Q1.csv"
    bad.write_text("event_id\nE1\n")
    _load_all(sws_home)
    status = _by_return(
        submission_status(sws_home.warehouse, sws_home.landing, PERIOD, today=dt.date(2025, 7, 1))
    )
    assert status[("dsf", "BHSCT")]["status"] == "refused"
    assert status[("dsf", "BHSCT")]["refused"].startswith(f"{bad.name}: missing mandatory column")
    assert status[("dsf", "NHSCT")]["status"] == "awaited"


def test_sws_status_prints_the_period(sws_home, sws):
    generate(sws_home.landing, periods=1, end_period=PERIOD, scale=0.01, seed=4)
    run = sws("status", "--period", PERIOD, "--json")
    assert run.status == 0
    lines = run.json_lines()
    assert len(lines) == 5 * 5 + 6
    assert {line["status"] for line in lines} == {"landed, not loaded"}
    human = sws("status", "--period", PERIOD)
    assert human.out.startswith(f"Returns for {PERIOD} (due 2025-08-11):")
    bad = sws("status", "--period", "2025-Q1")
    assert bad.status == 2


def test_the_status_asset_materialises_into_the_warehouse(sws_home):
    from dagster import DagsterInstance, materialize

    from pipelines.defs.assets.operations import submission_status_report
    from pipelines.defs.resources import build_resources

    load_all_but(sws_home, "raw")
    result = materialize(
        [submission_status_report],
        resources=build_resources(sws_home),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    with connect(sws_home.warehouse, read_only=True) as con:
        rows = con.sql("select collection, status from ingest.submission_status").fetchall()
    assert len(rows) == 6 * 5 + 1  # every return of every org (indicators: and REGION)
    assert {status for collection, status in rows if collection == "raw"} != {"loaded"}


@pytest.mark.parametrize(
    ("days", "when"),
    [
        (-2, "2 days early"),
        (-1, "1 day early"),
        (0, "on the day"),
        (1, "1 day late"),
        (3, "3 days late"),
    ],
)
def test_a_returns_figures_say_how_far_from_the_deadline(days, when):
    from pipelines.cli import _return_quality

    row = {"days_from_deadline": days, "rows_quarantined_pct": 0.4, "resubmissions": 1}
    assert _return_quality(row) == f" (0.4%), {when}, 1 resubmitted"
