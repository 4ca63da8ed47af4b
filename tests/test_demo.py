"""The demo's story (issue #19): what `make demo` loads shows every user's path.

The sample `make demo` writes (`sws sample --story`), smaller, through `sws load`: the planted
bad rows come back from `sws failures` for each org, and `sws status` names the missing, the
late, the superseded and the refused return; the pack still passes its gate.
"""

from __future__ import annotations

import io
import re

import polars as pl
import pytest

from contracts import reference
from pipelines.cli import main
from pipelines.sample import generate
from pipelines.sample.story import DEMO
from tests.conftest import use_home

PERIOD = "2025-26-Q4"
CONSEQUENCES = {"incomplete_reading", "incomplete_response"}  # the rest of a reading's rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo") / "sws"
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = use_home(monkeypatch, home)
        report = generate(settings.landing, periods=2, end_period=PERIOD, scale=0.03, story=True)
        yield settings, report


@pytest.fixture(scope="module")
def loaded(demo):
    settings, report = demo
    return settings, report, main(["load"])


def _file(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _events(report) -> dict[str, str]:
    return {event.turn: _file(event.file) for event in report.events}


def test_the_story_is_written_into_the_latest_period_only(demo):
    settings, report = demo
    events = _events(report)
    assert events == {
        "superseded": f"dsf_BHSCT_{PERIOD}.csv",
        "refused": f"ascot_NHSCT_{PERIOD}_v2.csv",
        "late": f"star_SHSCT_{PERIOD}.csv",
        "missing": f"raw_WHSCT_{PERIOD}.csv",
    }
    written = {_file(f.path) for f in report.files}
    assert events["missing"] not in written
    assert not (settings.landing / "raw" / events["missing"]).exists()
    assert {f"dsf_BHSCT_{PERIOD}_v2.csv", events["refused"]} <= written
    refused = pl.read_csv(settings.landing / "ascot" / events["refused"], infer_schema=False)
    assert DEMO.refused_without not in refused.columns
    per_file = pl.read_csv(report.faults_file).group_by("file").len()
    counts = {_file(f): n for f, n in per_file.iter_rows()}
    latest = [f for f in report.files if f.period == PERIOD and f.version == 1]
    for f in latest:  # exactly the story's count in each first version; none anywhere else
        assert counts.pop(_file(f.path), 0) == DEMO.faults.get(f.collection, 0), f.path
    assert counts == {}
    assert 30 <= len(report.faults) <= 60  # a few dozen
    assert len({(f.rule, f.column) for f in report.faults}) >= 15  # of many rules


def test_the_story_is_the_same_every_time(demo, tmp_path):
    settings, report = demo
    again = generate(tmp_path, periods=2, end_period=PERIOD, scale=0.03, story=True)
    assert again.events == report.events and again.faults == report.faults
    for f in report.files:
        ours, theirs = settings.landing / f.path, tmp_path / f.path
        assert ours.read_bytes() == theirs.read_bytes(), f.path
        assert ours.stat().st_mtime == theirs.stat().st_mtime, f.path  # when it landed


def test_without_the_story_the_sample_tells_none(tmp_path):
    report = generate(tmp_path, periods=1, end_period=PERIOD, scale=0.01)
    assert report.events == () and report.faults == ()
    assert len(report.files) == 5 * 5 + 6


def test_load_supersedes_v1_and_refuses_the_resubmission(loaded, sws):
    _, report, status = loaded
    assert status == 2  # a file was refused (and rows quarantined)
    by_file = {line["file"]: line for line in sws("load", "--json").json_lines()}
    events = _events(report)
    assert by_file[events["superseded"]]["superseded"] is True
    assert by_file[f"dsf_BHSCT_{PERIOD}_v2.csv"]["superseded"] is False
    assert "missing mandatory column" in by_file[events["refused"]]["refused"]
    assert DEMO.refused_without in by_file[events["refused"]]["refused"]
    assert [name for name, line in by_file.items() if line["refused"]] == [events["refused"]]
    assert events["missing"] not in by_file
    quarantined = {name for name, line in by_file.items() if line["quarantined"]}
    planted = {_file(f.file) for f in report.faults} - {events["superseded"]}
    assert quarantined == planted


def _failures(sws, org: str) -> pl.DataFrame:
    run = sws("failures", "--org", org)
    assert run.status == 0, run.err
    return pl.read_csv(io.StringIO(run.out), infer_schema=False)


def test_planted_faults_come_back_from_sws_failures_across_orgs(loaded, sws):
    _, report, _ = loaded
    events = _events(report)
    failures = pl.concat(_failures(sws, org) for org in reference.orgs())
    rows = failures.filter(pl.col("rule") != "refused")
    got = {
        (file, int(row), column, rule)
        for file, row, column, rule in rows.select("file", "row", "column", "rule").iter_rows()
        if rule not in CONSEQUENCES
    }
    planted = pl.read_csv(report.faults_file)
    expected = {
        (_file(file), row, column, rule)
        for file, row, column, rule in planted.iter_rows()
        if _file(file) != events["superseded"]  # its v2 corrected them
    }
    assert got == expected
    assert {f for f in planted["file"] if _file(f) == events["superseded"]}  # it had some
    # a Star reading and a RAW questionnaire were quarantined whole
    assert set(rows["rule"]) >= CONSEQUENCES
    refused = failures.filter(pl.col("rule") == "refused")
    assert refused["file"].to_list() == [events["refused"]]
    assert DEMO.refused_without in refused["value"][0]


def test_each_org_sees_only_its_own_failures(loaded, sws):
    for org in reference.orgs(trusts_only=True):
        files = set(_failures(sws, org)["file"])
        assert files and all(f"_{org}_" in name for name in files), org


def test_status_names_the_missing_late_superseded_and_refused_returns(loaded, sws):
    run = sws("status", "--period", PERIOD, "--json")
    status = {(line["collection"], line["org"]): line for line in run.json_lines()}
    assert status[DEMO.missing]["status"] == "missing"
    assert status[DEMO.late]["status"] == "loaded late"
    assert status[DEMO.superseded]["status"] == "loaded"
    assert status[DEMO.superseded]["version"] == 2
    refused = status[DEMO.refused]
    assert refused["status"] == "resubmission refused" and refused["version"] == 1
    assert DEMO.refused_without in refused["refused"]
    told = {DEMO.missing, DEMO.late, DEMO.refused}
    assert {line["status"] for slot, line in status.items() if slot not in told} == {"loaded"}
    human = sws("status", "--period", PERIOD).out
    for (collection, org), shown in (
        (DEMO.missing, "missing"),
        (DEMO.late, "loaded late"),
        (DEMO.superseded, "loaded +v2 "),
        (DEMO.refused, "resubmission refused"),
    ):
        assert re.search(rf"^  {collection} +{org} +{shown}", human, re.MULTILINE), shown


def test_the_pack_still_passes_its_gate(loaded, sws):
    run = sws("extract", "--period", PERIOD)
    assert run.status == 0, run.err
    assert "published" in run.out
