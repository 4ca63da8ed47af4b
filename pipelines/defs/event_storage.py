"""The laptop instance's event log (deploy/laptop/dagster.yaml): Dagster's SQLite storage,
storing a batch of events in one transaction per database instead of one per event."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from dagster import StringSource
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

# Dagster hands a step's events over as batches when this is set (else one by one). 1,000 holds
# the largest batch of a load: one materialisation per partition of a ranged run.
BATCH_SIZE_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"
BATCH_SIZE = 1000
_MATERIALISED = (DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION)


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """A ranged ingest run materialises one partition per return: 100 events per return at
    SF5, each stored by Dagster's SQLite storage with two connections and two commits
    (~10 ms). This one stores a batch on one connection and in one transaction per database
    file: one asset's materialisations as dagster-postgres stores them, any other batch (a
    run's planned events) with the statements of ``store_event``, event by event. A batch
    that fails is rolled back, and Dagster then stores its events one by one."""

    def __init__(self, base_dir: str, inst_data=None):
        self._batch = threading.local()  # before Dagster's set-up, which connects
        super().__init__(base_dir, inst_data)
        # a batch connects while it holds the lock (Dagster's is not re-entrant)
        self._db_lock = threading.RLock()
        # the storage that writes batches asks for them, in every process that stores events
        os.environ.setdefault(BATCH_SIZE_VARIABLE, str(BATCH_SIZE))

    @classmethod
    def config_type(cls):
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        # where Dagster's default SQLite storage keeps the event logs
        return cls(os.path.join(config_value["dagster_home"], "storage"), inst_data)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        with self._db_lock, ExitStack() as transactions:
            self._batch.transactions, self._batch.connections = transactions, {}
            try:
                if _one_asset_materialised(events):
                    self._store_materialisations(events)
                else:
                    for event in events:
                        self.store_event(event)
            finally:
                self._batch.connections = None

    def _store_materialisations(self, events: Sequence[EventLogEntry]) -> None:
        """As dagster-postgres stores them: each event in the run's log and in the index with
        its tags (its partition), and the asset's latest event from the last one."""
        statements = [self.prepare_insert_event(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            for statement in statements:
                conn.execute(statement)
        with self.index_transaction() as conn:
            ids = [conn.execute(statement).inserted_primary_key[0] for statement in statements]
            self._store_asset_event_tags(conn, events, ids)
            self._store_asset_event(conn, events[-1], ids[-1])

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        connections = getattr(self._batch, "connections", None)
        if connections is None:  # not in a batch
            with super()._connect(shard) as connection:
                yield connection
            return
        if shard not in connections:  # committed when the batch ends
            connections[shard] = self._batch.transactions.enter_context(super()._connect(shard))
        yield connections[shard]


def _one_asset_materialised(events: Sequence[EventLogEntry]) -> bool:
    """One asset's materialisations (or observations) in one run: a ranged run's batch."""
    if not events or any(event.dagster_event is None for event in events):
        return False
    kinds = {(e.run_id, e.dagster_event_type, e.dagster_event.asset_key) for e in events}
    return len(kinds) == 1 and events[0].dagster_event_type in _MATERIALISED
