"""Submission status: the returns expected for a period against what arrived.

For data engineers: per (collection, org), the latest version, when it landed, its contract
result, and whether it is late, refused, waiting in the landing folder or missing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from contracts import MODELS, reference
from contracts.periods import Period
from pipelines.ingest.landing import discover
from pipelines.settings import sws_config
from pipelines.warehouse import connect

STATUS_SCHEMA = {
    "collection": pl.String,
    "org": pl.String,
    "period": pl.String,
    "status": pl.String,
    "version": pl.Int64,
    "file": pl.String,
    "received_at": pl.Datetime,
    "due": pl.Date,
    "rows": pl.Int64,
    "loaded": pl.Int64,
    "quarantined": pl.Int64,
    "refused": pl.String,
}


def expected_orgs(collection: str) -> tuple[str, ...]:
    """Trusts submit every return but indicators, which REGION submits (Trusts may too)."""
    if collection == "indicators":
        return tuple(o for o in reference.orgs() if o not in reference.orgs(trusts_only=True))
    return reference.orgs(trusts_only=True)


def due_date(period: Period) -> dt.date:
    return period.last_day + dt.timedelta(days=sws_config()["submission_deadline_days"])


def submission_status(
    warehouse: Path, landing: Path, period: str, *, today: dt.date | None = None
) -> pl.DataFrame:
    """One row per expected (collection, org) return of ``period``, and any unexpected one."""
    today = today or dt.date.today()
    due = due_date(Period.parse(period))
    versions = _file_versions(warehouse, period)
    slots, _ = discover(landing) if landing.is_dir() else ({}, [])
    waiting = {slot for slot in slots if slot[2] == period}
    expected = {(c, o) for c in MODELS for o in expected_orgs(c)}
    present = {(c, o) for c, o, _ in versions} | {(c, o) for c, o, _ in waiting}
    rows = []
    for collection, org in sorted(expected | present):
        record = versions.get((collection, org, period))
        row = {"collection": collection, "org": org, "period": period, "due": due}
        if record is not None:
            row |= record
            row["status"] = _status_of(record, due)
            row["refused"] = record["refused"] or record["newer_refused"]
        elif (collection, org, period) in waiting:
            row["status"] = "landed, not loaded"
        else:
            row["status"] = "missing" if today > due else "awaited"
        rows.append(row)
    return pl.DataFrame(rows, schema=STATUS_SCHEMA)


def _status_of(record: dict, due: dt.date) -> str:
    if record["refused"]:
        return "refused"
    if record["newer_refused"]:
        return "resubmission refused"  # the earlier version stays loaded
    late = record["received_at"].date() > due
    return "loaded late" if late else "loaded"


def _file_versions(warehouse: Path, period: str) -> dict[tuple[str, str, str], dict]:
    """The current version of each return of the period, else its latest refused attempt."""
    if not warehouse.exists():
        return {}
    with connect(warehouse, read_only=True) as con:
        found = con.execute(
            """
            select collection, org, period, version, file_name, received_at, rows, loaded,
                quarantined, refused,
                -- a refused later version, while this one stays in place
                max(case when refused is not null then refused end) over (
                    partition by collection, org, period
                    order by version
                    rows between 1 following and unbounded following
                ) as newer_refused
            from ingest.file_versions
            where period = ?
            qualify row_number() over (
                partition by collection, org, period
                order by is_current desc, version desc, received_at desc
            ) = 1
            """,
            [period],
        ).fetchall()
    return {
        (c, o, p): {
            "version": v,
            "file": f,
            "received_at": r,
            "rows": n,
            "loaded": lo,
            "quarantined": q,
            "refused": ref,
            "newer_refused": newer_refused,
        }
        for c, o, p, v, f, r, n, lo, q, ref, newer_refused in found
    }


def latest_period(warehouse: Path, landing: Path, today: dt.date | None = None) -> str:
    """The latest period anything arrived for; else the last complete quarter."""
    periods = {slot[2] for slot in discover(landing)[0]} if landing.is_dir() else set()
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            periods |= {
                p
                for (p,) in con.execute(
                    "select distinct period from ingest.file_versions"
                ).fetchall()
            }
    if periods:
        return max(periods, key=Period.parse)
    return str(Period.containing(today or dt.date.today()).shift(-1))
