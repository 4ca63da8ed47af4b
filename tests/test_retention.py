"""Retention: files holding identifiers go once their time is up; the warehouse keeps its record."""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from pipelines.feedback.outbox import OutboxPolicy, write_outboxes
from pipelines.ingest.archive import archived_path
from pipelines.ingest.landing import discover, file_sha256
from pipelines.ingest.loader import load_slot, load_slots
from pipelines.ingest.pseudonyms import KEY_FILE, load_key
from pipelines.retention import ARCHIVE, LANDING, OUTBOX, expired, kept_until, purge
from pipelines.settings import Settings, sws_config
from pipelines.warehouse import connect
from tests import returns_factory as factory

PERIOD = factory.PERIOD  # 2025-26-Q1: due 2025-08-11
DEADLINE = dt.date(2025, 8, 11)
LAST_KEPT = DEADLINE + dt.timedelta(days=400)  # 2026-09-15, the default 400 days
FAR = dt.date(2040, 1, 1)
TABLES = ("returns.dsf", "ingest.file_versions", "ingest.quarantine")


def _land(settings, org: str, rows=None, *, version: int | None = None) -> Path:
    folder = settings.landing / "dsf"
    folder.mkdir(exist_ok=True)
    name = factory.file_name("dsf", org=org, version=version)
    return factory.write_return(folder, "dsf", rows, name=name)


def _load(settings):
    slots, _ = discover(settings.landing)
    with connect(settings.warehouse) as con:
        outcomes = load_slots(con, list(slots.values()), archive_dir=settings.archive, key=b"k")
    write_outboxes(settings, outcomes, policy=OutboxPolicy())
    return outcomes


def _state(settings, tables=TABLES) -> dict[str, list]:
    with connect(settings.warehouse, read_only=True) as con:
        return {t: con.sql(f"select * from {t} order by all").fetchall() for t in tables}


def _loaded_with_a_resubmission(settings) -> dict[str, bytes]:
    """BHSCT v1 (one bad row) then v2; NHSCT v1. The bytes of each landed file, by name."""
    _land(settings, "BHSCT", factory.spoil(factory.valid_rows("dsf"), 2, "sex", "Q"))
    _land(settings, "NHSCT")
    _load(settings)
    _land(settings, "BHSCT", version=2)
    _load(settings)
    return {p.name: p.read_bytes() for p in settings.landing.glob("*/*")}


def test_kept_until_the_deadline_plus_the_retention_days(monkeypatch):
    assert kept_until(PERIOD) == LAST_KEPT
    assert kept_until("2025-26-Q4") == dt.date(2026, 3, 31) + dt.timedelta(days=42 + 400)
    assert kept_until(PERIOD, days=10) == DEADLINE + dt.timedelta(days=10)
    monkeypatch.setitem(sws_config()["retention"], "days_after_deadline", 30)
    assert kept_until(PERIOD) == DEADLINE + dt.timedelta(days=30)


def test_nothing_expires_on_the_last_day_kept_and_everything_the_day_after(sws_home):
    _loaded_with_a_resubmission(sws_home)
    assert expired(sws_home, today=LAST_KEPT) == []
    gone = expired(sws_home, today=LAST_KEPT + dt.timedelta(days=1))
    assert {(e.location, e.path.name) for e in gone if e.location == LANDING} == {
        (LANDING, "dsf_BHSCT_2025-26-Q1.csv"),
        (LANDING, "dsf_BHSCT_2025-26-Q1_v2.csv"),
        (LANDING, "dsf_NHSCT_2025-26-Q1.csv"),
    }
    assert len([e for e in gone if e.location == ARCHIVE]) == 3
    assert {e.path for e in gone if e.location == OUTBOX} == {
        sws_home.outbox / org / PERIOD for org in ("BHSCT", "NHSCT")
    }
    assert {e.expired_after for e in gone} == {LAST_KEPT}
    # under a shorter retention, sooner
    soon = DEADLINE + dt.timedelta(days=11)
    assert expired(sws_home, today=soon, days=10) != []
    assert expired(sws_home, today=soon - dt.timedelta(days=1), days=10) == []


def test_a_landed_file_not_yet_loaded_is_kept_however_old(sws_home):
    _loaded_with_a_resubmission(sws_home)
    waiting = _land(sws_home, "SHSCT")
    late = [e.path for e in expired(sws_home, today=FAR) if e.location == LANDING]
    assert waiting not in late and len(late) == 3
    _load(sws_home)
    assert waiting in [e.path for e in expired(sws_home, today=FAR)]


def test_a_superseded_version_expires_and_changed_bytes_of_the_current_one_wait(sws_home):
    v1 = _land(sws_home, "BHSCT", factory.spoil(factory.valid_rows("dsf"), 2, "sex", "Q"))
    v2 = _land(sws_home, "BHSCT", version=2)  # lands with v1: v1 is never read
    assert {o.file: o.status for o in _load(sws_home)}[v1.name] == "superseded"
    late = {e.path for e in expired(sws_home, today=FAR) if e.location == LANDING}
    assert late == {v1, v2}
    # v2's bytes replaced after its load: the warehouse does not know these yet
    factory.write_return(v2.parent, "dsf", factory.valid_rows("dsf")[:1], name=v2.name)
    late = {e.path for e in expired(sws_home, today=FAR) if e.location == LANDING}
    assert late == {v1}


def test_purge_deletes_the_files_and_records_each_one(sws_home):
    landed = _loaded_with_a_resubmission(sws_home)
    digests = {p.name: file_sha256(p) for p in sws_home.landing.glob("*/*")}
    before = _state(sws_home)
    gone = purge(sws_home, today=FAR)
    assert len(gone) == 3 + 3 + 2
    assert list(sws_home.landing.glob("*/*")) == []
    assert list(sws_home.archive.glob("*/*")) == []
    assert list(sws_home.outbox.glob("*/*")) == []
    with connect(sws_home.warehouse, read_only=True) as con:
        records = con.sql(
            "select location, file_name, sha256, collection, org, period, version "
            "from ingest.purged_files order by all"
        ).fetchall()
    expected = []
    for name in landed:
        file = name.removesuffix(".csv").split("_")
        version = int(file[3][1:]) if len(file) == 4 else 1
        for location in (ARCHIVE, LANDING):
            expected.append((location, name, digests[name], "dsf", file[1], PERIOD, version))
    assert records == sorted(expected)
    assert _state(sws_home) == before  # rows, file versions, quarantine: kept


def test_after_a_purge_reloading_changes_nothing_and_a_purged_version_is_still_loaded(sws_home):
    landed = _loaded_with_a_resubmission(sws_home)
    purge(sws_home, today=FAR)
    before = _state(sws_home)
    assert _load(sws_home) == []  # nothing left to load
    # the Trust sends the very same bytes again: recognised by their digest
    for name, data in landed.items():
        (sws_home.landing / "dsf" / name).write_bytes(data)
    slots, _ = discover(sws_home.landing)
    with connect(sws_home.warehouse) as con:
        outcomes = [
            o
            for files in slots.values()
            for o in load_slot(con, files, archive_dir=sws_home.archive, key=b"k")
        ]
    assert {(o.file, o.status) for o in outcomes} == {
        ("dsf_BHSCT_2025-26-Q1.csv", "superseded"),
        ("dsf_BHSCT_2025-26-Q1_v2.csv", "unchanged"),
        ("dsf_NHSCT_2025-26-Q1.csv", "unchanged"),
    }
    assert _state(sws_home) == before
    assert list(sws_home.archive.glob("*/*")) == []  # purged bytes are not kept again
    # new bytes are a new version: loaded and archived as ever
    v3 = _land(
        sws_home, "BHSCT", factory.spoil(factory.valid_rows("dsf"), 3, "sex", "M"), version=3
    )
    statuses = {o.file: o.status for o in _load(sws_home)}
    assert statuses[v3.name] == "loaded"
    assert archived_path(sws_home.archive, "dsf", v3.name, file_sha256(v3)).exists()


def test_sws_purge_dry_run_lists_and_sws_purge_deletes(sws_home, sws, monkeypatch):
    _loaded_with_a_resubmission(sws_home)
    monkeypatch.setitem(sws_config()["retention"], "days_after_deadline", 0)  # due 2025-08-11
    dry = sws("purge", "--dry-run")
    assert dry.status == 0
    assert (
        "landing  landing/dsf/dsf_NHSCT_2025-26-Q1.csv  (2025-26-Q1, kept until 2025-08-11)"
        in dry.out
    )
    assert dry.out.splitlines()[-1] == (
        "retention (0 days after each period's deadline): would delete 8 file(s) or folder(s)"
    )
    assert len(list(sws_home.landing.glob("*/*"))) == 3  # nothing deleted
    run = sws("purge")
    assert run.status == 0 and run.out.splitlines()[-1].endswith("deleted 8 file(s) or folder(s)")
    assert list(sws_home.landing.glob("*/*")) == []
    assert (
        sws("purge", "--dry-run")
        .out.splitlines()[-1]
        .endswith("would delete 0 file(s) or folder(s)")
    )


def test_the_retention_job_purges(sws_home, monkeypatch):
    from dagster import DagsterInstance

    from pipelines.defs.resources import build_resources
    from pipelines.defs.retention import retention

    _loaded_with_a_resubmission(sws_home)
    monkeypatch.setitem(sws_config()["retention"], "days_after_deadline", 0)
    result = retention.execute_in_process(
        resources=build_resources(sws_home), instance=DagsterInstance.ephemeral()
    )
    assert result.success and result.output_for_node("purge_expired_files") == 8
    assert list(sws_home.landing.glob("*/*")) == []


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_landing_archive_outbox_and_key_are_owner_only(tmp_path, sws_home, sws):
    landing = tmp_path / "landing"
    assert sws("sample", "--out", landing, "--periods", "1", "--end-period", PERIOD,
               "--scale", "0.01").status == 0  # fmt: skip
    assert _mode(landing) == 0o700
    for path in landing.glob("*/*"):
        assert (_mode(path.parent), _mode(path)) == (0o700, 0o600), path
    settings = Settings(home=sws_home.home, landing=landing)
    load_key(settings.home)
    _load(settings)
    assert _mode(settings.home / KEY_FILE) == 0o600
    for top in (settings.archive, settings.outbox):
        assert _mode(top) == 0o700
        for path in top.rglob("*"):
            assert _mode(path) == (0o700 if path.is_dir() else 0o600), path
    purge(settings, today=dt.date(2025, 9, 1), days=0)  # the period's files go, folders stay
    for top in (landing, settings.archive, settings.outbox):
        assert _mode(top) == 0o700
        for path in top.rglob("*"):
            assert _mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_a_purge_leaves_the_marts_as_they_were(regional, tmp_path):
    """On a copy of the regional warehouse (dbt built it): every file expires, no mart moves."""
    settings, report, _, _ = regional
    copy = tmp_path / "sws"
    shutil.copytree(settings.home, copy, ignore=shutil.ignore_patterns("dagster", "logs", "dbt*"))
    home = Settings(home=copy, landing=copy / "landing")
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        marts = [f"marts.{t}" for (t,) in con.sql(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()]  # fmt: skip
    assert {"marts.outcome1", "marts.return_quality", "marts.return_quality_measures"} <= set(marts)
    before = _state(home, (*marts, "returns.star", "ingest.file_versions"))
    gone = purge(home, today=FAR)
    # every sample file, and any other tests landed in the shared fixture since
    sample = {home.landing / f.path for f in report.files}
    assert sample <= {e.path for e in gone if e.location == LANDING}
    assert len([e for e in gone if e.location == ARCHIVE]) >= len(report.files)
    assert not any(path.exists() for path in sample)
    assert _state(home, (*marts, "returns.star", "ingest.file_versions")) == before
    with pytest.raises(StopIteration):
        next(home.landing.glob("*/*.csv"))


def test_nothing_expired_takes_no_writer_turn(sws_home):
    _land(sws_home, "BHSCT")  # landed, never loaded: no warehouse at all
    assert purge(sws_home, today=FAR) == []
    assert not sws_home.warehouse.exists()


def test_a_key_rotation_after_a_purge_says_why_it_cannot(sws_home):
    from pipelines.ingest.rotation import RotationError, rotate_key

    _loaded_with_a_resubmission(sws_home)
    purge(sws_home, today=FAR)
    before = _state(sws_home)
    with (
        connect(sws_home.warehouse) as con,
        pytest.raises(RotationError, match="retention deleted its archived copy"),
    ):
        rotate_key(con, sws_home.archive, b"a new key")
    assert _state(sws_home) == before
