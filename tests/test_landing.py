"""The landing folder's boundaries (returns.md, Files): regular files only, nothing outside it
read, a file still being written left for later, two files claiming one version refused,
and a refused resubmission leaving the version before it current."""

from __future__ import annotations

import os
import threading

import pytest

from contracts import landed
from contracts.validate import check_file
from pipelines.ingest.file_versions import summarise
from pipelines.ingest.landing import BEING_WRITTEN, discover
from pipelines.ingest.loader import load_slots
from pipelines.ingest.pseudonyms import load_key
from pipelines.sample import generate
from pipelines.warehouse import connect, working_copy
from tests.conftest import found_in_warehouse

SECRET = b"MARKER-SECRET-7f3a,do-not-read\nMARKER-SECRET-LINE-2,x\n"


def _sample(settings):
    generate(settings.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)


def _load(settings, settle: float = 0.0):
    slots, others = discover(settings.landing, settle_seconds=settle)
    with connect(settings.warehouse) as con:
        outcomes = load_slots(
            con, list(slots.values()), archive_dir=settings.archive, key=load_key(settings.home)
        )
    return outcomes + others


def _by_file(outcomes):
    return {o.file: o for o in outcomes}


def _recorded(settings, name: str) -> list[tuple]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(
            "select version, is_current, refused from ingest.file_versions where file_name = ?",
            [name],
        ).fetchall()


def _nothing_of_the_secret_kept(settings) -> None:
    """Neither the archive nor the warehouse holds anything of the secret."""
    for path in settings.archive.rglob("*"):
        assert path.is_dir() or b"MARKER-SECRET" not in path.read_bytes(), path
    for warehouse in (settings.warehouse, working_copy(settings.warehouse)):
        assert found_in_warehouse(warehouse, "MARKER-SECRET") == []


def _plant(settings, tmp_path, variant: str) -> str:
    """One kind of entry that is not a regular file of the landing folder; its name."""
    secret = tmp_path / "secret.conf"
    secret.write_bytes(SECRET)
    dsf = settings.landing / "dsf"
    name = "dsf_WHSCT_2025-26-Q1_v3.csv"
    if variant == "symlink-to-a-file":
        (dsf / name).symlink_to(secret)
    elif variant == "symlink-to-a-folder":
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "x.csv").write_bytes(SECRET)
        (dsf / name).symlink_to(outside, target_is_directory=True)
    elif variant == "folder":
        (dsf / name).mkdir()
        (dsf / name / "x.csv").write_bytes(SECRET)
    elif variant == "fifo":
        os.mkfifo(dsf / name)
    elif variant == "hard-link":
        os.link(secret, dsf / name)
    elif variant == "symlinked-collection-folder":
        outside = tmp_path / "elsewhere"
        outside.mkdir()
        (outside / "raw_WHSCT_2025-26-Q1_v2.csv").write_bytes(SECRET)
        for path in (settings.landing / "raw").iterdir():
            path.rename(outside / path.name)
        (settings.landing / "raw").rmdir()
        (settings.landing / "raw").symlink_to(outside, target_is_directory=True)
        return "raw"
    return name


KINDS = {
    "symlink-to-a-file": "a symbolic link",
    "symlink-to-a-folder": "a symbolic link",
    "folder": "a folder",
    "fifo": "a FIFO",
    "hard-link": "a hard link",
    "symlinked-collection-folder": "a symbolic link",
}


@pytest.mark.parametrize("variant", sorted(KINDS))
def test_only_regular_files_are_read_anything_else_is_refused_by_name(sws_home, tmp_path, variant):
    _sample(sws_home)
    name = _plant(sws_home, tmp_path, variant)
    outcomes = _by_file(_load(sws_home))
    refused = outcomes[name]
    assert refused.status == "refused"
    assert refused.refused.startswith(f"{name}: {KINDS[variant]}")
    assert refused.refused.endswith("not a regular file: refused, nothing of it is read")
    assert _recorded(sws_home, name) == []
    _nothing_of_the_secret_kept(sws_home)
    # every other return loaded all the same
    loaded = [o for o in outcomes.values() if o.status == "loaded"]
    expected = 5 * 5 + 6 - (5 if variant == "symlinked-collection-folder" else 0)
    assert len(loaded) == expected


def test_a_file_swapped_for_a_symlink_after_it_was_listed_is_not_read(sws_home, tmp_path):
    """The check is on the opened descriptor, not on the name as it was listed."""
    _sample(sws_home)
    secret = tmp_path / "secret.conf"
    secret.write_bytes(SECRET)
    slots, _ = discover(sws_home.landing)
    target = sws_home.landing / "dsf" / "dsf_NHSCT_2025-26-Q1.csv"
    target.unlink()
    target.symlink_to(secret)
    with connect(sws_home.warehouse) as con:
        outcomes = _by_file(
            load_slots(
                con, list(slots.values()), archive_dir=sws_home.archive, key=b"swap-test-key"
            )
        )
    assert outcomes[target.name].status == "refused"
    assert "a symbolic link" in outcomes[target.name].refused
    assert _recorded(sws_home, target.name) == []
    _nothing_of_the_secret_kept(sws_home)
    assert sum(o.status == "loaded" for o in outcomes.values()) == 5 * 5 + 6 - 1


def test_a_collection_folder_swapped_for_a_symlink_is_not_followed(sws_home, tmp_path):
    _sample(sws_home)
    target = sws_home.landing / "dsf" / "dsf_NHSCT_2025-26-Q1.csv"
    with pytest.raises(landed.NotARegularFile, match="collection folder is a symbolic link"):
        moved = tmp_path / "dsf"
        (sws_home.landing / "dsf").rename(moved)
        (sws_home.landing / "dsf").symlink_to(moved, target_is_directory=True)
        landed.landed_bytes(target)


def _validate_in_a_thread(path, seconds: float = 60):
    result = []
    worker = threading.Thread(target=lambda: result.append(check_file(path)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"validating {path.name} hung"
    return result[0]


def test_validating_a_fifo_or_a_device_refuses_it_without_waiting(tmp_path, sws):
    fifo = tmp_path / "dsf_WHSCT_2025-26-Q1.csv"
    os.mkfifo(fifo)
    assert "a FIFO (named pipe), not a regular file" in _validate_in_a_thread(fifo).refused
    device = tmp_path / "ascot_WHSCT_2025-26-Q1.csv"
    device.symlink_to("/dev/zero")  # a name the user gave: followed, to a device
    assert "a character device, not a regular file" in _validate_in_a_thread(device).refused
    run = sws("validate", device)
    assert run.status == 2
    assert "character device" in run.out


# -- still being written ----------------------------------------------------------------


def test_files_changed_within_the_settle_interval_are_left_for_later(sws_home):
    _sample(sws_home)
    slots, others = discover(sws_home.landing, settle_seconds=3600)
    assert slots == {}
    assert len(others) == 5 * 5 + 6
    assert {o.status for o in others} == {BEING_WRITTEN}
    slots, others = discover(sws_home.landing, settle_seconds=0)
    assert len(slots) == 5 * 5 + 6 and others == []


def test_a_file_that_changes_while_it_is_read_is_not_loaded_nor_recorded(sws_home, monkeypatch):
    _sample(sws_home)
    growing = sws_home.landing / "dsf" / "dsf_BHSCT_2025-26-Q1.csv"
    inode = growing.stat().st_ino
    read = os.read

    def read_while_it_grows(descriptor, size):
        if os.fstat(descriptor).st_ino == inode:  # the writer appends meanwhile
            with growing.open("a") as handle:
                handle.write("BH-E-999999,3292372054,2016,M,N09000006,POC3,CP_REVIEW,")
        return read(descriptor, size)

    monkeypatch.setattr(landed.os, "read", read_while_it_grows)
    outcomes = _by_file(_load(sws_home))
    assert outcomes[growing.name].status == BEING_WRITTEN
    assert _recorded(sws_home, growing.name) == []
    with connect(sws_home.warehouse, read_only=True) as con:
        assert con.execute("select count(*) from returns.dsf where org = 'BHSCT'").fetchall() == [
            (0,)
        ]
        lines = [_line(o) for o in summarise(con, sws_home.landing)]
    assert f"{growing.name}  still being written, will be retried" in lines
    assert sum(o.status == "loaded" for o in outcomes.values()) == 5 * 5 + 6 - 1


def _line(outcome) -> str:
    from pipelines.cli import _load_line

    return _load_line(outcome)


def test_sws_load_leaves_a_file_being_written_and_loads_the_rest(sws_home, sws, monkeypatch):
    """A copy still going on during `sws load` (settle interval 1 s): the line says so, and a
    half-written v2 never supersedes the complete v1."""
    _sample(sws_home)
    v1 = sws_home.landing / "dsf" / "dsf_SHSCT_2025-26-Q1.csv"
    [first] = [o for o in _load(sws_home) if o.file == v1.name]
    v2 = v1.with_name("dsf_SHSCT_2025-26-Q1_v2.csv")
    lines = v1.read_text().splitlines(keepends=True)
    v2.write_text("".join(lines[:3]))
    stop = threading.Event()

    def copying():
        rest = iter(lines[3:] * 1000)
        while not stop.wait(0.05):
            with v2.open("a") as handle:
                handle.write(next(rest))

    writer = threading.Thread(target=copying, daemon=True)
    writer.start()
    monkeypatch.setenv("SWS_LANDING_SETTLE_SECONDS", "1")
    monkeypatch.setattr("pipelines.cli._execute", lambda settings, runs: (_no_dagster(runs), None))
    try:
        run = sws("load")
    finally:
        stop.set()
        writer.join()
    assert run.status == 0, run.err
    assert f"{v2.name}  still being written, will be retried" in run.out.splitlines()
    assert f"{v1.name}  rows {first.rows}  loaded {first.loaded}  quarantined 0" in run.out
    assert "1 still being written" in run.out.splitlines()[-1]
    assert _recorded(sws_home, v2.name) == []
    assert _recorded(sws_home, v1.name) == [(1, True, None)]


def _no_dagster(runs):
    """Nothing is to load here but what the test loaded: the plan holds no ingest run."""
    assert [run.collection for run in runs if run.collection] == []
    return []


# -- two files claiming one version -----------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("dsf_WHSCT_2025-26-Q1_v2.csv", "dsf_WHSCT_2025-26-Q1_v2.parquet"),
        ("dsf_WHSCT_2025-26-Q1.csv", "dsf_WHSCT_2025-26-Q1_v1.csv"),
    ],
)
def test_two_files_claiming_one_version_are_both_refused_and_the_current_stays(
    sws_home, first, second
):
    _sample(sws_home)
    current = sws_home.landing / "dsf" / "dsf_WHSCT_2025-26-Q1.csv"
    _load(sws_home)
    if first != current.name:
        (current.parent / first).write_bytes(current.read_bytes()[:-60])
    (current.parent / second).write_bytes(current.read_bytes())
    outcomes = _by_file(_load(sws_home))
    for name, other in ((first, second), (second, first)):
        assert outcomes[name].status == "refused"
        assert outcomes[name].refused.startswith(f"{name}: {other} claims the same version ")
        assert "both refused" in outcomes[name].refused
    assert _recorded(sws_home, current.name)[0][1] is True  # still the current version
    with connect(sws_home.warehouse, read_only=True) as con:
        [(versions,)] = con.execute(
            "select list(distinct version) from returns.dsf where org = 'WHSCT'"
        ).fetchall()
    assert versions == [1]


# -- a refused resubmission -------------------------------------------------------------


@pytest.mark.parametrize("refused_versions", [(2,), (2, 3)])
def test_a_version_superseded_only_by_refused_ones_is_reported_current(sws_home, refused_versions):
    _sample(sws_home)
    v1 = sws_home.landing / "dsf" / "dsf_WHSCT_2025-26-Q1.csv"
    [first] = [o for o in _load(sws_home) if o.file == v1.name]
    for version in refused_versions:
        (v1.parent / f"dsf_WHSCT_2025-26-Q1_v{version}.csv").write_text("")  # empty: refused
    for _ in range(2):  # the second time, the refused versions are known ones
        _load(sws_home)
        with connect(sws_home.warehouse, read_only=True) as con:
            report = _by_file(summarise(con, sws_home.landing))
        assert report[v1.name].superseded is False
        assert (report[v1.name].rows, report[v1.name].loaded) == (first.rows, first.loaded)
        for version in refused_versions:
            later = report[f"dsf_WHSCT_2025-26-Q1_v{version}.csv"]
            assert later.refused.endswith("empty file: not even a header row")
            assert later.superseded is False
