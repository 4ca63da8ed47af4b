"""How good the returns themselves are, as dbt built it (``marts.return_quality``, and the
``Q_`` measures per org and REGION in ``marts.return_quality_measures``): read for
``sws status`` and the report's "How well are the returns doing". About returns, not people:
no disclosure control applies.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.warehouse import connect

RETURN_FIGURES = {
    "collection": pl.String,
    "org": pl.String,
    "period": pl.String,
    "resubmissions": pl.Int64,
    "refused_versions": pl.Int64,
    "rows_quarantined_pct": pl.Float64,
    "days_from_deadline": pl.Int64,
    "on_time": pl.Boolean,
}
MEASURE_FIGURES = {
    "measure_code": pl.String,
    "org": pl.String,
    "period": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "baseline_period": pl.String,
    "baseline_value": pl.Float64,
    "change_from_baseline": pl.Float64,
}
QUARANTINED, ON_TIME = "Q_ROWS_QUARANTINED_PCT", "Q_RETURNS_ON_TIME_PCT"


def return_figures(warehouse: Path, period: str) -> pl.DataFrame:
    """Each return of ``period``: resubmissions, refused versions, share of rows quarantined,
    days from the deadline, on time (empty until dbt has built the mart)."""
    columns = ", ".join(RETURN_FIGURES)
    sql = f"select {columns} from marts.return_quality where period = ?"
    return _read(warehouse, sql, [period], RETURN_FIGURES)


def quality_measures(warehouse: Path, period: str | None = None) -> pl.DataFrame:
    """The ``Q_`` measures per org and REGION, every period up to ``period`` (default all)."""
    if not warehouse.exists():
        return pl.DataFrame(schema=MEASURE_FIGURES)
    with connect(warehouse, read_only=True) as con:
        return read_quality_measures(con, period).select(list(MEASURE_FIGURES))


def read_quality_measures(
    con: duckdb.DuckDBPyConnection, period: str | None = None
) -> pl.DataFrame:
    """``marts.return_quality_measures`` (the mart columns) up to ``period``; empty until dbt
    has built it."""
    try:
        return con.sql(
            "from marts.return_quality_measures where ? is null or period <= ? "
            "order by measure_code, org, period",
            params=[period, period],
        ).pl()
    except duckdb.CatalogException:
        return pl.DataFrame(schema=MEASURE_FIGURES)


def with_return_figures(status: pl.DataFrame, warehouse: Path, period: str) -> pl.DataFrame:
    """``sws status``'s table with each return's quality figures beside it."""
    figures = return_figures(warehouse, period)
    return status.join(figures, on=["collection", "org", "period"], how="left")


def _read(warehouse: Path, sql: str, params: list, schema: dict) -> pl.DataFrame:
    if not warehouse.exists():
        return pl.DataFrame(schema=schema)
    with connect(warehouse, read_only=True) as con:
        try:
            frame = con.sql(sql, params=params).pl()
        except duckdb.CatalogException:  # the models are not built yet
            return pl.DataFrame(schema=schema)
    return frame.cast(schema)
