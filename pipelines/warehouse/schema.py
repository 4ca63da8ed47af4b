"""The tables the Python side writes: ``returns`` (one table per collection: loaded rows of the
current version, identifiers pseudonymised), ``ingest`` (file versions, quarantined failures,
files purged by retention, landed files' digests) and ``usage`` (deliveries of extracts). dbt
builds the rest."""

from __future__ import annotations

import duckdb
import polars as pl

import contracts
from contracts.contract import contract
from contracts.validate import FAILURE_SCHEMA, typed
from pipelines.ingest.pseudonyms import pseudonymise

SLOT_COLUMNS = {"org": pl.String, "period": pl.String, "version": pl.Int32}

# Every delivery of an extract (the cull report reads which measures are still used).
USAGE_DDL = """
create schema if not exists usage;
create table if not exists usage.deliveries (
    delivered_at timestamp not null,
    consumer varchar not null,
    period varchar not null,
    measures varchar[] not null,
    pack_sha256 varchar not null,
    out_dir varchar not null
);
"""

INGEST_DDL = """
create schema if not exists returns;
create schema if not exists ingest;
create table if not exists ingest.file_versions (
    collection varchar not null,
    org varchar not null,
    period varchar not null,
    version integer not null,
    file_name varchar not null,
    sha256 varchar not null,
    received_at timestamp not null,
    loaded_at timestamp,
    rows bigint,
    loaded bigint,
    quarantined bigint,
    refused varchar,
    warnings varchar,
    is_current boolean not null,
    primary key (collection, org, period, version, sha256)
);
-- Each landed file's digest with its state when it was loaded (device, inode, size,
-- modification and change times): a later load's planning reads again only the files no
-- longer in that state, not the whole landing folder (pipelines/ingest/landing.py).
create table if not exists ingest.landed_digests (
    device ubigint not null,
    inode ubigint not null,
    size ubigint not null,
    modified_ns bigint not null,
    changed_ns bigint not null,
    sha256 varchar not null,
    primary key (device, inode)
);
-- the pseudonym key's fingerprint (one row): a load with another key is refused
create table if not exists ingest.key_fingerprint (
    fingerprint varchar not null,
    recorded_at timestamp not null
);
create table if not exists ingest.quarantine (
    collection varchar not null,
    org varchar not null,
    period varchar not null,
    version integer not null,
    file_name varchar not null,
    "row" bigint not null,
    "column" varchar,
    rule varchar not null,
    value varchar
);
-- Files that held identifiers, deleted by retention (pipelines/retention.py): the digest of a
-- purged version stays here and in file_versions, so landing it again loads nothing.
create table if not exists ingest.purged_files (
    location varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    collection varchar not null,
    org varchar not null,
    period varchar not null,
    version integer not null,
    purged_at timestamp not null,
    primary key (location, file_name, sha256)
);
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(INGEST_DDL)
    con.execute(USAGE_DDL)
    for collection in contracts.MODELS:
        empty = slot_rows(collection, loaded_shape(collection), org="", period="", version=0)
        con.register("empty_rows", empty)
        con.execute(f"create table if not exists returns.{collection} as from empty_rows limit 0")
        con.unregister("empty_rows")


def loaded_shape(collection: str) -> pl.DataFrame:
    """An empty frame with the columns and types a collection's loaded rows have."""
    described = contract(collection)  # not its pandera model: a load need not import pandera
    empty = pl.DataFrame(schema=dict.fromkeys(described.columns, pl.String))
    failures = pl.DataFrame(schema=FAILURE_SCHEMA)
    return pseudonymise(typed(described, empty, failures), key=b"", org="")


def slot_rows(collection: str, rows: pl.DataFrame, *, org: str, period: str, version: int):
    """Rows tagged with the (org, period, version) they were loaded for."""
    values = {"org": org, "period": period, "version": version}
    tags = [pl.lit(values[name], dtype=dtype).alias(name) for name, dtype in SLOT_COLUMNS.items()]
    return rows.select(*tags, pl.all())
