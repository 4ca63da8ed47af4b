"""A load keeps each landed file's digest with the file's state (device, inode, size,
modification and change times): the next plan reads only the files no longer in that state,
not the whole landing folder. A file hashed before it had settled is not remembered."""

from __future__ import annotations

import hashlib
import os

import pytest

from pipelines.ingest import landing
from pipelines.ingest.file_versions import recorded_digests, remember_digests
from pipelines.ingest.landing import discover
from pipelines.ingest.loader import load_slots
from pipelines.ingest.planning import plan_load
from pipelines.ingest.pseudonyms import load_key
from pipelines.warehouse import connect
from tests import returns_factory as factory

ORGS = ("BHSCT", "NHSCT")


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the files hashed (read whole) from now on, as in a new process."""
    hashed: list[str] = []
    hash_file = landing.landed_sha256

    def counting(path):
        hashed.append(path.name)
        return hash_file(path)

    monkeypatch.setattr(landing, "landed_sha256", counting)
    return hashed


def _new_process(monkeypatch) -> None:
    """Forget what this process hashed: what a later `sws load` knows is in the warehouse."""
    landing._sha256_of.cache_clear()
    monkeypatch.setattr(landing, "_settled", {})


def _land(settings) -> list:
    dsf = settings.landing / "dsf"
    dsf.mkdir()
    return [
        factory.write_return(dsf, "dsf", name=factory.file_name("dsf", org=org)) for org in ORGS
    ]


def _load(settings) -> None:
    slots, _ = discover(settings.landing)
    with connect(settings.warehouse) as con:
        load_slots(
            con, list(slots.values()), archive_dir=settings.archive, key=load_key(settings.home)
        )


def _ingested(runs) -> set[tuple[str, str]]:
    return {slot for run in runs if run.collection for slot in run.slots}


def test_a_plan_reads_only_the_files_changed_since_they_were_loaded(sws_home, monkeypatch, reads):
    monkeypatch.setattr(landing, "SETTLED_NS", 0)  # the files are as good as settled
    first, second = _land(sws_home)
    _load(sws_home)
    with connect(sws_home.warehouse, read_only=True) as con:
        kept = recorded_digests(con)
    assert {digest for _, digest in kept.values()} == {
        hashlib.sha256(path.read_bytes()).hexdigest() for path in (first, second)
    }
    _new_process(monkeypatch)
    reads.clear()
    assert _ingested(plan_load(sws_home)) == set()
    assert reads == []
    # the same size and modification time, other bytes: only the change time tells
    status = second.stat()
    data = second.read_bytes()
    second.write_bytes(data.replace(b"2025", b"2026", 1))
    os.utime(second, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert (second.stat().st_size, second.stat().st_mtime_ns) == (
        status.st_size,
        status.st_mtime_ns,
    )
    _new_process(monkeypatch)
    assert _ingested(plan_load(sws_home)) == {(ORGS[1], factory.PERIOD)}
    assert reads == [second.name]


def test_a_file_read_before_it_settled_is_read_again(sws_home, monkeypatch, reads):
    monkeypatch.setattr(landing, "SETTLED_NS", 10**15)  # written "just now", whatever the clock
    files = _land(sws_home)
    _load(sws_home)
    with connect(sws_home.warehouse, read_only=True) as con:
        assert recorded_digests(con) == {}
    _new_process(monkeypatch)
    reads.clear()
    assert _ingested(plan_load(sws_home)) == set()
    assert sorted(reads) == sorted(path.name for path in files)


def test_after_an_upgrade_one_load_remembers_the_files_loaded_before(
    sws_home, monkeypatch, reads, sws
):
    """A warehouse loaded before digests were kept: its planner reads every file, and the
    `sws load` that does so remembers them, so the next one reads none (and writes nothing)."""
    monkeypatch.setattr(landing, "SETTLED_NS", 0)
    files = _land(sws_home)
    _load(sws_home)
    with connect(sws_home.warehouse) as con:
        con.execute("drop table ingest.landed_digests")
    _new_process(monkeypatch)
    reads.clear()
    with connect(sws_home.warehouse, read_only=True) as con:  # a planner cannot add the table
        assert recorded_digests(con) == {}
    assert _ingested(plan_load(sws_home)) == set()
    assert sorted(reads) == sorted(path.name for path in files)
    builds = []  # the dbt build is not what this is about
    monkeypatch.setattr("pipelines.cli._execute", lambda s, runs: (builds.extend(runs) or [], None))
    _new_process(monkeypatch)
    reads.clear()
    assert sws("load").status == 0
    assert sorted(reads) == sorted(path.name for path in files)  # read once more
    published = sws_home.warehouse.stat().st_mtime_ns
    _new_process(monkeypatch)
    reads.clear()
    assert sws("load").status == 0
    assert reads == []  # neither the plan nor the closing summary read a file
    assert sws_home.warehouse.stat().st_mtime_ns == published  # nothing to remember
    assert builds  # both loads planned the build, never run


def test_a_file_state_named_twice_is_remembered_once(sws_home):
    """A batch names each file once; should a (device, inode) come twice (a file replaced in
    place between two reads), the statement still succeeds, keeping the later state."""
    older, newer = (1, 2, 3, 4, 5), (1, 2, 3, 4, 6)
    with connect(sws_home.warehouse) as con:
        remember_digests(con, [(older, "a" * 64), (newer, "b" * 64)])
        assert recorded_digests(con) == {(1, 2): (newer, "b" * 64)}
