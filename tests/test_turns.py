"""Publishing the warehouse once for several writer turns (``one_publish``, what `sws load`
does), and the copy that publishes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import duckdb
import pytest

from pipelines.warehouse import connect, one_publish, turns, working_copy
from tests.conftest import REGIONAL_TURNS


def _published_tables(settings) -> set[str]:
    """The tables of the published file, as another process reading it sees them."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()


def _mark(settings, name: str) -> None:
    with connect(settings.warehouse) as con:
        con.execute(f"create or replace table usage.{name} as select 1 as answer")


@pytest.fixture
def warehouse(sws_home):
    _mark(sws_home, "first")  # a first warehouse is published
    return sws_home


def test_turns_inside_one_publish_are_published_once_at_its_end(warehouse, monkeypatch):
    published = []
    publish = turns._publish
    monkeypatch.setattr(turns, "_publish", lambda *a: (published.append(a), publish(*a)))
    with one_publish(warehouse.warehouse):
        _mark(warehouse, "second")
        _mark(warehouse, "third")
        assert published == []
        assert "first" in _published_tables(warehouse)
        assert {"second", "third"}.isdisjoint(_published_tables(warehouse))
        # this process's own readers read its turns
        with connect(warehouse.warehouse, read_only=True) as con:
            assert con.execute("from usage.third").fetchall() == [(1,)]
    assert len(published) == 1
    assert {"first", "second", "third"} <= _published_tables(warehouse)


def test_a_block_without_a_turn_publishes_nothing_and_reads_the_published_file(
    warehouse, monkeypatch
):
    monkeypatch.setattr(turns, "_publish", lambda *a: pytest.fail("published"))
    with working_copy(warehouse.warehouse).open("r+b") as work:
        work.truncate(0)  # readers must not read the working copy: nothing is pending
    with one_publish(warehouse.warehouse), connect(warehouse.warehouse, read_only=True) as con:
        assert con.execute("from usage.first").fetchall() == [(1,)]


def test_nested_blocks_publish_once_at_the_outer_end(warehouse):
    with one_publish(warehouse.warehouse):
        with one_publish(warehouse.warehouse):
            _mark(warehouse, "inner")
        assert "inner" not in _published_tables(warehouse)
        _mark(warehouse, "outer")
    assert {"inner", "outer"} <= _published_tables(warehouse)


def test_a_block_that_fails_publishes_the_turns_that_ended(warehouse):
    with pytest.raises(RuntimeError, match="a run failed"), one_publish(warehouse.warehouse):
        _mark(warehouse, "done")
        raise RuntimeError("a run failed")
    assert "done" in _published_tables(warehouse)


def test_a_turn_that_fails_inside_a_block_publishes_nothing_by_itself(warehouse):
    with one_publish(warehouse.warehouse):
        with pytest.raises(RuntimeError), connect(warehouse.warehouse) as con:
            con.execute("create table usage.half as select 1 as answer")
            raise RuntimeError("the turn failed")
        assert "half" not in _published_tables(warehouse)
    # nothing ended well inside the block: like a failed turn, it is left to the next turn
    assert "half" not in _published_tables(warehouse)
    _mark(warehouse, "next")
    assert {"half", "next"} <= _published_tables(warehouse)


OTHER_WRITER = """
import sys
from pathlib import Path
from pipelines.warehouse import connect

with connect(Path(sys.argv[1])) as con:
    con.execute("create table usage.other as select 2 as answer")
"""


def test_another_process_takes_its_turn_between_a_block_s_turns(warehouse):
    with one_publish(warehouse.warehouse):
        _mark(warehouse, "mine")
        other = subprocess.run(
            [sys.executable, "-c", OTHER_WRITER, str(warehouse.warehouse)], timeout=120
        )
        assert other.returncode == 0  # not kept waiting until the block ends
        # its turn published the working copy: this block's turn too
        assert {"mine", "other"} <= _published_tables(warehouse)
        _mark(warehouse, "after")
    assert {"mine", "other", "after"} <= _published_tables(warehouse)


KILLED_BLOCK = """
import sys, time
from pathlib import Path
from pipelines.warehouse import connect, one_publish

path = Path(sys.argv[1])
with one_publish(path):
    with connect(path) as con:
        con.execute("create table usage.unpublished as select 3 as answer")
    print("turn ended", flush=True)
    time.sleep(60)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL semantics")
def test_a_process_killed_inside_a_block_leaves_the_published_state_for_the_next_turn(
    warehouse,
):
    killed = subprocess.Popen(
        [sys.executable, "-c", KILLED_BLOCK, str(warehouse.warehouse)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert killed.stdout.readline().strip() == "turn ended"
        assert "unpublished" not in _published_tables(warehouse)
    finally:
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
    assert "unpublished" not in _published_tables(warehouse)
    _mark(warehouse, "next")  # the next turn publishes what the killed one committed
    assert {"unpublished", "next"} <= _published_tables(warehouse)


def test_sws_load_publishes_the_warehouse_once_for_all_its_turns(regional):
    # a run per return (or per block of its partitions) and one of dbt: one copy
    assert REGIONAL_TURNS["turns"] >= 7
    assert REGIONAL_TURNS["publishes"] == 1


def test_the_copy_is_the_file_byte_for_byte(tmp_path):
    source = tmp_path / "source"
    source.write_bytes(os.urandom(3 * 2**20 + 5))
    turns._copy(source, tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == source.read_bytes()


def test_where_the_kernel_cannot_copy_the_file_an_ordinary_copy_does(tmp_path, monkeypatch):
    def refused(*args):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", refused)
    source = tmp_path / "source"
    source.write_bytes(os.urandom(2**20))
    (tmp_path / "copy").write_bytes(b"an older, longer file " * 100_000)
    turns._copy(source, tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == source.read_bytes()
