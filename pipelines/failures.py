"""One org's failures: quarantined rows of its current returns and its refused files.

A Trust analyst sees only their own Trust's rows: the org is a required filter, never a default.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.warehouse import connect

FAILURES_SQL = """
with current_versions as (
    select collection, org, period, version from ingest.file_versions where is_current
),
refused as (
    select f.collection, f.org, f.period, f.version, f.file_name, f.refused
    from ingest.file_versions as f
    left join current_versions as c using (collection, org, period)
    where f.refused is not null and (c.version is null or f.version >= c.version)
)
select q.collection, q.period, q.version, q.file_name as file, q."row", q."column", q.rule, q.value
from ingest.quarantine as q
inner join current_versions using (collection, org, period, version)
where q.org = $org and ($period is null or q.period = $period)
union all
select collection, period, version, file_name, null, null, 'refused', refused
from refused
where org = $org and ($period is null or period = $period)
order by collection, period, "row" nulls first, "column"
"""


def org_failures(warehouse: Path, *, org: str, period: str | None = None) -> pl.DataFrame:
    with connect(warehouse, read_only=True) as con:
        return failures_of(con, org=org, period=period)


def failures_of(con: duckdb.DuckDBPyConnection, *, org: str, period: str | None) -> pl.DataFrame:
    return con.sql(FAILURES_SQL, params={"org": org, "period": period}).pl()
