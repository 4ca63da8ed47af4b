"""The laptop instance's event log stores a ranged run's materialisations as one batch: one
transaction per database, however many partitions, and all or nothing."""

from __future__ import annotations

import os
import shutil
from collections import Counter

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.defs.event_storage import (
    BATCH_SIZE,
    BATCH_SIZE_VARIABLE,
    BatchedSqliteEventLogStorage,
)
from pipelines.defs.runs import RANGE_END, RANGE_START
from pipelines.settings import REPO_DAGSTER_YAML

LETTERS = dg.StaticPartitionsDefinition(list("abcde"))


@dg.asset(partitions_def=LETTERS, backfill_policy=dg.BackfillPolicy.single_run())
def letters() -> None:
    """One output for the range: Dagster materialises each partition of it in one batch."""


@pytest.fixture
def instance(tmp_path, monkeypatch):
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copyfile(REPO_DAGSTER_YAML, home / "dagster.yaml")  # as `sws` makes an instance
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv(BATCH_SIZE_VARIABLE, raising=False)
    with dg.DagsterInstance.get() as instance:
        yield instance


@pytest.fixture
def connections(monkeypatch) -> Counter:
    """How many connections Dagster's SQLite storage opened, per database (run or index)."""
    opened = Counter()
    connect = SqliteEventLogStorage._connect

    def counting(self, shard):
        opened["index" if shard == "index" else "run"] += 1
        return connect(self, shard)

    monkeypatch.setattr(SqliteEventLogStorage, "_connect", counting)
    return opened


def _materialise(instance, first: str, last: str) -> dg.ExecuteInProcessResult:
    job = dg.Definitions(assets=[letters]).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, tags={RANGE_START: first, RANGE_END: last})


def _materialisations(instance, result) -> tuple[list, list]:
    """The run's materialised partitions in its own log, and in the index across runs."""
    in_run = instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    in_index = instance.fetch_materializations(letters.key, limit=100).records
    return (
        sorted(r.event_log_entry.dagster_event.partition for r in in_run),
        sorted(r.partition_key for r in in_index if r.run_id == result.run_id),
    )


def test_the_laptop_instance_asks_dagster_for_batches(instance):
    assert isinstance(instance.event_log_storage, BatchedSqliteEventLogStorage)
    assert int(os.environ[BATCH_SIZE_VARIABLE]) == BATCH_SIZE


def test_a_ranged_run_costs_the_same_connections_for_one_partition_or_five(instance, connections):
    one = _materialise(instance, "a", "a")
    for_one, connections_for_one = _materialisations(instance, one), connections.copy()
    connections.clear()
    five = _materialise(instance, "a", "e")

    assert for_one == (["a"], ["a"])
    assert _materialisations(instance, five) == (list("abcde"), list("abcde"))
    assert connections == connections_for_one  # one by one: 4 more of each
    assert instance.get_materialized_partitions(letters.key) == set("abcde")
    assert instance.get_latest_materialization_event(letters.key).run_id == five.run_id


def test_a_batch_that_fails_leaves_nothing_and_its_events_are_stored_one_by_one(
    instance, monkeypatch
):
    store_tags = SqliteEventLogStorage._store_asset_event_tags
    calls = Counter()

    def failing_once(self, conn, events, event_ids):
        """Fails the batch after its events were inserted in both databases."""
        if events[0].dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            calls["materialisations"] += len(events)
            if calls["failed"] == 0:
                calls["failed"] += 1
                raise RuntimeError("the index is full")
        return store_tags(self, conn, events, event_ids)

    monkeypatch.setattr(SqliteEventLogStorage, "_store_asset_event_tags", failing_once)
    result = _materialise(instance, "a", "e")

    assert result.success
    # the batch's inserts were rolled back, not stored twice
    assert _materialisations(instance, result) == (list("abcde"), list("abcde"))
    assert calls["materialisations"] == 5 + 5  # the batch, then one by one
