"""The pseudonym key's fingerprint (interface.md, State): a load with another key is refused
wherever it starts, and rotating the key re-pseudonymises from the archive, keeping every
person's records together."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from dagster import DagsterInstance

from pipelines.defs.definitions import build_defs
from pipelines.defs.partitions import slot_key
from pipelines.ingest.landing import discover
from pipelines.ingest.loader import load_slot, load_slots
from pipelines.ingest.pseudonyms import FINGERPRINT_OF, KeyMismatch
from pipelines.ingest.rotation import RotationError, rotate_key
from pipelines.sample import generate
from pipelines.settings import Settings
from pipelines.warehouse import connect
from tests.conftest import found_in_warehouse, load_all_but
from tests.test_sensors import _models_built, _tick

OLD, NEW = b"the key we started with", b"the key after rotation"


def _load(settings: Settings, key: bytes):
    slots, _ = discover(settings.landing)
    with connect(settings.warehouse) as con:
        return load_slots(con, list(slots.values()), archive_dir=settings.archive, key=key)


def _contents(settings: Settings) -> dict[str, list]:
    """What the returns and their quarantine hold (load times aside)."""
    with connect(settings.warehouse, read_only=True) as con:
        tables = [
            f"returns.{t}"
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'returns'"
            ).fetchall()
        ]
        contents = {t: sorted(con.execute(f"from {t}").fetchall(), key=repr) for t in tables}
        contents["quarantine"] = sorted(con.execute("from ingest.quarantine").fetchall())
        contents["versions"] = sorted(
            con.execute(
                "select collection, org, period, version, file_name, sha256, rows, loaded, "
                "quarantined, refused, is_current from ingest.file_versions"
            ).fetchall(),
            key=repr,
        )
    return contents


def test_the_warehouse_keeps_a_fingerprint_not_the_key(sws_home):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    _load(sws_home, OLD)
    with connect(sws_home.warehouse, read_only=True) as con:
        [(recorded,)] = con.execute("select fingerprint from ingest.key_fingerprint").fetchall()
    assert recorded == hmac.new(OLD, FINGERPRINT_OF, hashlib.sha256).hexdigest()
    assert found_in_warehouse(sws_home.warehouse, OLD.decode()) == []


def test_a_load_with_another_key_is_refused_and_changes_nothing(sws_home):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    slots, _ = discover(sws_home.landing)
    first = next(iter(slots.values()))
    with connect(sws_home.warehouse) as con:
        load_slot(con, first, archive_dir=sws_home.archive, key=OLD)
    before = _contents(sws_home)
    for attempt in (lambda: _load(sws_home, NEW), lambda: _load_one(sws_home, first, NEW)):
        with pytest.raises(KeyMismatch, match="not the key this warehouse was loaded with"):
            attempt()
    assert _contents(sws_home) == before
    assert len(_load(sws_home, OLD)) == 5 * 5 + 6  # the right key loads the rest


def _load_one(settings, files, key):
    with connect(settings.warehouse) as con:
        return load_slot(con, files, archive_dir=settings.archive, key=key)


def test_sws_load_with_a_changed_key_is_refused_in_one_line(sws_home, sws, monkeypatch):
    load_all_but(sws_home, "raw")
    monkeypatch.setenv("SWS_PSEUDO_KEY", "a key someone typed")
    run = sws("load")
    assert run.status == 2
    [line] = run.err.splitlines()
    assert line.startswith("sws load: the pseudonym key (SWS_PSEUDO_KEY or $SWS_HOME/")
    assert "use the earlier key, or rotate deliberately with `sws rotate-key`" in line
    with connect(sws_home.warehouse, read_only=True) as con:
        assert con.execute("select count(*) from returns.raw").fetchall() == [(0,)]


@pytest.mark.usefixtures("dbt_manifest")
def test_the_sensor_and_the_ingest_run_refuse_a_changed_key(sws_home, monkeypatch):
    load_all_but(sws_home, "raw")
    _models_built(sws_home)
    assert {r.job_name for r in _tick(sws_home)} == {"land_raw"}  # the right key: runs
    monkeypatch.setenv("SWS_PSEUDO_KEY", "a key someone typed")
    [skip] = _tick(sws_home)
    assert skip.skip_message.startswith("the pseudonym key (SWS_PSEUDO_KEY")
    result = (
        build_defs(sws_home)
        .resolve_job_def("ingest_raw")
        .execute_in_process(
            instance=DagsterInstance.ephemeral(),
            partition_key=str(slot_key("BHSCT", "2025-26-Q1")),
            raise_on_error=False,
        )
    )
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert failure.step_failure_data.user_failure_data.description.startswith(
        "the pseudonym key (SWS_PSEUDO_KEY"
    )


@pytest.fixture
def two_quarters(sws_home, tmp_path):
    """Two quarters loaded with the old key; Star pairs span them."""
    generate(sws_home.landing, periods=2, end_period="2025-26-Q4", scale=0.03, seed=4)
    (sws_home.landing / "dsf" / "dsf_BHSCT_2025-26-Q4_v2.csv").write_bytes(
        (sws_home.landing / "dsf" / "dsf_BHSCT_2025-26-Q4.csv").read_bytes()[:-200]
    )
    _load(sws_home, OLD)
    return sws_home


def test_rotating_the_key_equals_a_fresh_load_with_the_new_key(two_quarters, tmp_path):
    settings = two_quarters
    old = _contents(settings)
    with connect(settings.warehouse) as con:
        assert rotate_key(con, settings.archive, NEW) == (5 * 5 + 6) * 2  # current versions
    rotated = _contents(settings)
    fresh = Settings(home=tmp_path / "fresh", landing=settings.landing)
    _load(fresh, NEW)
    assert rotated == _contents(fresh)
    assert rotated["returns.star"] != old["returns.star"]  # every pseudonym changed
    assert rotated["versions"] == old["versions"]  # the same versions, the same figures
    with connect(settings.warehouse) as con:
        assert rotate_key(con, settings.archive, NEW) is None  # once only
    with pytest.raises(KeyMismatch):
        _load(settings, OLD)


def test_rotation_keeps_a_persons_records_together(two_quarters):
    """Each person has one key across Trusts and quarters, before and after: the same
    readings pair up (first and latest) under either key."""
    settings = two_quarters
    query = (
        "select count(distinct person_key), count(distinct (person_key, reading_id)) "
        "from returns.star"
    )
    with connect(settings.warehouse, read_only=True) as con:
        before = con.execute(query).fetchall()
    with connect(settings.warehouse) as con:
        rotate_key(con, settings.archive, NEW)
    with connect(settings.warehouse, read_only=True) as con:
        assert con.execute(query).fetchall() == before


def test_rotation_without_an_archived_copy_changes_nothing(two_quarters):
    settings = two_quarters
    before = _contents(settings)
    missing = next((settings.archive / "raw").iterdir())
    missing.unlink()
    with connect(settings.warehouse) as con, pytest.raises(RotationError, match="is missing"):
        rotate_key(con, settings.archive, NEW)
    assert _contents(settings) == before
    _load(settings, OLD)  # the old key is still the warehouse's


def test_a_rotation_stopped_half_way_leaves_the_old_key(two_quarters, monkeypatch):
    settings = two_quarters
    before = _contents(settings)
    from pipelines.ingest import loader

    calls = []

    def fails_on_the_tenth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 10:
            raise RuntimeError("stopped")
        return replace(*args, **kwargs)

    replace = loader.replace_slot
    monkeypatch.setattr(loader, "replace_slot", fails_on_the_tenth)
    with connect(settings.warehouse) as con, pytest.raises(RuntimeError):
        rotate_key(con, settings.archive, NEW)
    assert _contents(settings) == before
    with pytest.raises(KeyMismatch):
        _load(settings, NEW)
