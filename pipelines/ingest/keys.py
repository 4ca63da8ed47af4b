"""Keys unique within the org, across its periods (returns.md): a key a file reuses from
another period already loaded quarantines the file's rows that reuse it.

The contract checks a key within its file; only the warehouse knows the org's other periods.
What is loaded is compared: the current versions of the org's other periods, including the
returns loaded earlier in the same run (they are in ``returns.<collection>`` by then). The
rows already loaded do not change: the file loaded later is the one whose rows fail
(``duplicate_key``; the rest of a reading or questionnaire with them, as its unit's rule).
A resubmission of the same period replaces its earlier version and never conflicts with it.
Workforce keys are unique within a snapshot and indicator codes within a file: the contract
checks those alone.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from contracts.contract import contract
from contracts.files import ReturnFile
from contracts.validate import SOURCE_ROW, CheckedReturn, mask_identifiers, unit_of
from pipelines.ingest.frames import registered

ORG_WIDE_KEYS = ("star", "ascot", "dsf", "raw")
DUPLICATE_KEY = "duplicate_key"


@cache
def key_columns(collection: str) -> tuple[str, ...]:
    """The columns of the contract's ``duplicate_key`` rule, its own column first."""
    for rule in contract(collection).rules:
        if rule.name == DUPLICATE_KEY:
            key = tuple(dict(rule.statistics)["key"])
            return (rule.column, *(c for c in key if c != rule.column))
    return ()


def reuse_free(
    con: duckdb.DuckDBPyConnection, checked: list[tuple[ReturnFile, CheckedReturn]]
) -> set[Path]:
    """The files of a batch whose keys no other period of their org has: none loaded, and
    none in the batch's other files. One query for the batch: ``quarantine_reused_keys`` need
    not ask again for these, whatever of the batch is loaded before them, so long as what is
    loaded comes from these files (the loader knows: a file checked later is not here)."""
    keyed = [
        (file, result)
        for file, result in checked
        if file.collection in ORG_WIDE_KEYS
        and result.valid is not None
        and not result.valid.is_empty()
    ]
    if not keyed:
        return set()
    collection = keyed[0][0].collection
    if any(file.collection != collection for file, _ in keyed):
        raise ValueError("a batch holds one collection")
    key = list(key_columns(collection))
    new = pl.concat(
        [
            result.valid.select(
                *key, org=pl.lit(file.org), period=pl.lit(file.period), path=pl.lit(str(file.path))
            )
            for file, result in keyed
        ],
        how="vertical_relaxed",
    )
    # within the batch: a key of one org in more than one period
    shared = (
        new.group_by("org", *key)
        .agg(pl.col("period").n_unique().alias("periods"))
        .filter(pl.col("periods") > 1)
    )
    clashing = set(new.join(shared, on=["org", *key], how="semi")["path"].unique())
    clashing |= set(_loaded_elsewhere(con, collection, new)["path"])
    return {file.path for file, _ in keyed if str(file.path) not in clashing}


def _loaded_elsewhere(con, collection: str, new: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``new`` (its key columns, ``org`` and ``period``) whose key a loaded row of
    another period of the same org has."""
    with registered(con, "new_keys", new):
        return con.sql(
            f"select n.* from new_keys as n semi join returns.{collection} as r on "
            + " and ".join(f"r.{c} = n.{c}" for c in key_columns(collection))
            + " and r.org = n.org and r.period <> n.period"
        ).pl()


def quarantine_reused_keys(
    con: duckdb.DuckDBPyConnection,
    file: ReturnFile,
    checked: CheckedReturn,
    *,
    known_free: bool = False,
) -> CheckedReturn:
    """``checked`` with the rows reusing a key of the org's other loaded periods failed;
    ``known_free``: ``reuse_free`` found it reuses none, so nothing is asked."""
    collection = file.collection
    if (
        known_free
        or collection not in ORG_WIDE_KEYS
        or checked.valid is None
        or checked.valid.is_empty()
    ):
        return checked
    key = key_columns(collection)
    new = checked.valid.select(SOURCE_ROW, *key, org=pl.lit(file.org), period=pl.lit(file.period))
    reused = _loaded_elsewhere(con, collection, new)
    if reused.is_empty():
        return checked
    failures = reused.select(
        pl.col(SOURCE_ROW).cast(pl.Int64).alias("row"),
        pl.lit(key[0]).alias("column"),
        pl.lit(DUPLICATE_KEY).alias("rule"),
        pl.col(key[0]).cast(pl.String).alias("value"),
    )
    failures = pl.concat([failures, _rest_of_units(collection, checked.valid, reused)])
    checked.failures = pl.concat([checked.failures, mask_identifiers(failures)]).sort(
        "row", "column", "rule"
    )
    checked.valid = checked.valid.join(
        failures.select(pl.col("row").alias(SOURCE_ROW)).unique(), on=SOURCE_ROW, how="anti"
    )
    return checked


def _rest_of_units(collection: str, valid: pl.DataFrame, reused: pl.DataFrame) -> pl.DataFrame:
    """The other rows of a reading or questionnaire some of whose rows reuse a key."""
    unit = unit_of(contract(collection))
    schema = {"row": pl.Int64, "column": pl.String, "rule": pl.String, "value": pl.String}
    if unit is None:
        return pl.DataFrame(schema=schema)
    column, unit_rule = unit
    return (
        valid.join(reused.select(column).unique(), on=column)
        .join(reused.select(SOURCE_ROW), on=SOURCE_ROW, how="anti")
        .select(
            pl.col(SOURCE_ROW).cast(pl.Int64).alias("row"),
            pl.lit(column).alias("column"),
            pl.lit(unit_rule).alias("rule"),
            pl.col(column).cast(pl.String).alias("value"),
        )
    )
