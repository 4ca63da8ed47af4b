"""The cull report (interface.md, "The cull report"): lineage plus the delivery log.

One row per item of the collection catalog (``seeds/collection_catalog.csv``), in catalog
order, with exactly the columns of ``REPORT_COLUMNS``:

- ``reaches``: the measures the item reaches (catalog order), then ``exposure:<name>`` for
  every dbt exposure over a mart holding one of them; ``;``-separated, empty if none.
- ``last_used``: the latest ``delivered_at`` in ``usage.deliveries`` whose ``measures`` include
  a measure the item reaches (any period); empty if none.
- ``verdict``: ``unused`` if it reaches no measure; ``used`` if a delivery whose ``period``
  is one of the last four periods includes a measure it reaches; ``unread`` otherwise.
  The last four periods are the latest period of any current loaded file version
  (``ingest.file_versions.is_current``) and the three quarters before it.
- ``recommend_cull``: verdict ``unused`` or ``unread`` and the item is not statutory.
- ``burden_hours_per_year``: the sum of ``rows`` of the current file versions of the item's
  collection in the last four periods (every org; rows as submitted, loaded + quarantined)
  times the item's ``seconds_per_row`` / 3600, rounded to 3 decimals (3.6 seconds).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts.periods import Period
from pipelines.dbt_files import DBT_PROJECT_DIR
from pipelines.extract.usage import deliveries as read_deliveries
from pipelines.safe_text import safe_frame
from pipelines.settings import Settings
from pipelines.warehouse import connect

from .graph import Lineage, build_lineage
from .manifest import compiled_manifest

SEEDS_DIR = DBT_PROJECT_DIR.parent / "seeds"
CATALOG_SEED = SEEDS_DIR / "collection_catalog.csv"
WINDOW_PERIODS = 4
EXPOSURE_PREFIX = "exposure:"

REPORT_COLUMNS = (
    "collection",
    "item",
    "statutory",
    "reaches",
    "last_used",
    "verdict",
    "recommend_cull",
    "burden_hours_per_year",
)
REPORT_SCHEMA = {
    "collection": pl.String,
    "item": pl.String,
    "statutory": pl.Boolean,
    "reaches": pl.String,
    "last_used": pl.Datetime("us"),
    "verdict": pl.String,
    "recommend_cull": pl.Boolean,
    "burden_hours_per_year": pl.Float64,
}


@dataclass(frozen=True)
class CatalogItem:
    collection: str
    item: str
    statutory: bool
    seconds_per_row: float
    seconds_basis: str


def read_catalog(path: Path = CATALOG_SEED) -> list[CatalogItem]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [
            CatalogItem(
                collection=row["collection"],
                item=row["item"],
                statutory=row["statutory"].strip().lower() == "true",
                seconds_per_row=float(row["seconds_per_row"]),
                seconds_basis=row["seconds_basis"],
            )
            for row in csv.DictReader(f)
        ]


def item_lineage(settings: Settings, *, refresh: bool = False) -> Lineage:
    """Measure-level lineage of the current dbt project, for every catalog item."""
    manifest = compiled_manifest(settings, refresh=refresh)
    return build_lineage(manifest, [(i.collection, i.item) for i in read_catalog()])


def window_periods(latest: str | None, count: int = WINDOW_PERIODS) -> list[str]:
    """``latest`` and the ``count - 1`` quarters before it, latest first."""
    if latest is None:
        return []
    period = Period.parse(latest)
    return [str(period.shift(-n)) for n in range(count)]


@dataclass(frozen=True)
class Usage:
    """What the warehouse says about use: the window, rows collected, deliveries."""

    periods: list[str]  # the last four periods, latest first
    rows: dict[str, int]  # collection -> rows collected in those periods
    deliveries: pl.DataFrame  # delivered_at, consumer, period, measures (list of codes)


def read_usage(settings: Settings) -> Usage:
    with connect(settings.warehouse, read_only=True) as con:
        latest = con.execute(
            "select max(period) from ingest.file_versions where is_current"
        ).fetchall()[0][0]
        periods = window_periods(latest)
        counts = con.execute(
            "select collection, coalesce(sum(rows), 0) from ingest.file_versions "
            "where is_current and list_contains(?::varchar[], period) group by collection",
            [periods],
        ).fetchall()
        delivered = read_deliveries(con)
    return Usage(periods=periods, rows={c: int(n) for c, n in counts}, deliveries=delivered)


def _measure_lists(delivered: pl.DataFrame) -> list[set[str]]:
    """Each delivery's measures, whether stored as a list or as comma-separated text."""
    out = []
    for value in delivered["measures"].to_list():
        if value is None:
            out.append(set())
        elif isinstance(value, str):
            out.append({m.strip() for m in value.split(",") if m.strip()})
        else:
            out.append({str(m) for m in value})
    return out


def build_report(catalog: list[CatalogItem], lineage: Lineage, usage: Usage) -> pl.DataFrame:
    """The cull report from its three inputs (pure: no warehouse, no dbt)."""
    delivered_measures = _measure_lists(usage.deliveries)
    delivered_at = usage.deliveries["delivered_at"].to_list()
    delivered_period = usage.deliveries["period"].to_list()
    window = set(usage.periods)
    rows = []
    for entry in catalog:
        measures = lineage.reaches(entry.collection, entry.item)
        reached = set(measures)
        exposures = lineage.exposures_of(measures)
        hits = [i for i, ms in enumerate(delivered_measures) if ms & reached]
        last_used = max((delivered_at[i] for i in hits), default=None)
        if not measures:
            verdict = "unused"
        elif any(delivered_period[i] in window for i in hits):
            verdict = "used"
        else:
            verdict = "unread"
        collected = usage.rows.get(entry.collection, 0)
        rows.append(
            {
                "collection": entry.collection,
                "item": entry.item,
                "statutory": entry.statutory,
                "reaches": ";".join([*measures, *(EXPOSURE_PREFIX + e for e in exposures)]),
                "last_used": last_used,
                "verdict": verdict,
                "recommend_cull": verdict in ("unused", "unread") and not entry.statutory,
                "burden_hours_per_year": round(collected * entry.seconds_per_row / 3600, 3),
            }
        )
    return pl.DataFrame(rows, schema=REPORT_SCHEMA).select(REPORT_COLUMNS)


def cull_report(settings: Settings, *, lineage: Lineage | None = None) -> pl.DataFrame:
    """One row per catalog item: reaches, last_used, verdict, recommend_cull, burden."""
    lineage = lineage or item_lineage(settings)
    return build_report(read_catalog(), lineage, read_usage(settings))


def write_cull_report(
    settings: Settings, out: Path | None = None, *, lineage: Lineage | None = None
) -> Path:
    """Write the cull report as CSV (default ``$SWS_HOME/cull_report.csv``); returns the path."""
    report = cull_report(settings, lineage=lineage)
    out = Path(out) if out is not None else settings.home / "cull_report.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    cull_report_csv(report, out)
    return out


def cull_report_csv(report: pl.DataFrame, out: Path) -> None:
    """The report as CSV: empty ``reaches`` as empty cells, no text a spreadsheet could run."""
    safe_frame(
        report.with_columns(
            pl.when(pl.col("reaches") != "").then(pl.col("reaches")).alias("reaches"),
            pl.col("last_used").dt.strftime("%Y-%m-%d %H:%M:%S"),
        )
    ).write_csv(out)
