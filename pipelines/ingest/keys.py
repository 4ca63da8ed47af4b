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

import duckdb
import pandera.polars as pa
import polars as pl

from contracts import CONTRACTS
from contracts.files import ReturnFile
from contracts.validate import SOURCE_ROW, CheckedReturn, mask_identifiers, unit_of

ORG_WIDE_KEYS = ("star", "ascot", "dsf", "raw")
DUPLICATE_KEY = "duplicate_key"


@cache
def key_columns(model: type[pa.DataFrameModel]) -> tuple[str, ...]:
    """The columns of the contract's ``duplicate_key`` rule, its own column first."""
    for name, column in model.to_schema().columns.items():
        for check in column.checks:
            if check.name == DUPLICATE_KEY:
                key = tuple(check.statistics["key"])
                return (name, *(c for c in key if c != name))
    return ()


def quarantine_reused_keys(
    con: duckdb.DuckDBPyConnection, file: ReturnFile, checked: CheckedReturn
) -> CheckedReturn:
    """``checked`` with the rows reusing a key of the org's other loaded periods failed."""
    collection = file.collection
    if collection not in ORG_WIDE_KEYS or checked.valid is None or checked.valid.is_empty():
        return checked
    model = CONTRACTS[collection]
    key = key_columns(model)
    con.register("new_keys", checked.valid.select(SOURCE_ROW, *key))
    try:
        reused = con.sql(
            f"select n.* from new_keys as n semi join returns.{collection} as r on "
            + " and ".join(f"r.{c} = n.{c}" for c in key)
            + " and r.org = $org and r.period <> $period",
            params={"org": file.org, "period": file.period},
        ).pl()
    finally:
        con.unregister("new_keys")
    if reused.is_empty():
        return checked
    failures = reused.select(
        pl.col(SOURCE_ROW).cast(pl.Int64).alias("row"),
        pl.lit(key[0]).alias("column"),
        pl.lit(DUPLICATE_KEY).alias("rule"),
        pl.col(key[0]).cast(pl.String).alias("value"),
    )
    failures = pl.concat([failures, _rest_of_units(model, checked.valid, reused)])
    checked.failures = pl.concat([checked.failures, mask_identifiers(failures)]).sort(
        "row", "column", "rule"
    )
    checked.valid = checked.valid.join(
        failures.select(pl.col("row").alias(SOURCE_ROW)).unique(), on=SOURCE_ROW, how="anti"
    )
    return checked


def _rest_of_units(
    model: type[pa.DataFrameModel], valid: pl.DataFrame, reused: pl.DataFrame
) -> pl.DataFrame:
    """The other rows of a reading or questionnaire some of whose rows reuse a key."""
    unit = unit_of(model)
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
