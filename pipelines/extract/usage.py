"""The usage log: one row per extract pack delivered, in the warehouse (``usage.deliveries``).

The cull report reads it to tell which measures (and so which collected items) an extract
still uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from pipelines.warehouse import USAGE_DDL


def ensure_usage_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(USAGE_DDL)


def record_delivery(
    con: duckdb.DuckDBPyConnection,
    *,
    consumer: str,
    period: str,
    measures: Sequence[str],
    pack_sha256: str,
    out_dir: Path,
    delivered_at: dt.datetime | None = None,
) -> None:
    """Add one delivery (the caller owns the transaction)."""
    ensure_usage_table(con)
    con.execute(
        "insert into usage.deliveries values (?, ?, ?, ?, ?, ?)",
        [
            delivered_at or dt.datetime.now(),
            consumer,
            period,
            list(measures),
            pack_sha256,
            str(out_dir),
        ],
    )


def deliveries(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every delivery so far, oldest first (empty if none was ever recorded)."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'usage' and table_name = 'deliveries'"
    ).fetchall()[0][0]
    if not exists:
        return pl.DataFrame(
            schema={
                "delivered_at": pl.Datetime("us"),
                "consumer": pl.String,
                "period": pl.String,
                "measures": pl.List(pl.String),
                "pack_sha256": pl.String,
                "out_dir": pl.String,
            }
        )
    return con.sql("from usage.deliveries order by delivered_at").pl()
