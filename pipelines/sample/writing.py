"""Writing the returns: one file per (collection, org, period), faults planted on the way."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import xlsxwriter

from contracts import reference
from pipelines.private import private_dir, private_file
from pipelines.sample.faults import plant_faults
from pipelines.sample.report import PlantedFault, SampleFile, SampleReport

if TYPE_CHECKING:
    from pipelines.sample.context import Context

FORMATS = ("csv", "xlsx", "parquet")  # also the file extensions
FAULTS_FILE = "planted_faults.csv"


class Writer:
    """Writes each collection's files; formats rotate over all files in sorted order."""

    def __init__(self, ctx: Context, out_dir: Path, *, bad_rows: float, formats: tuple[str, ...]):
        self.ctx, self.out_dir, self.bad_rows = ctx, out_dir, bad_rows
        layout = [
            (collection, org, str(period))
            for collection in sorted(reference.collections())
            for org in self.orgs(collection)
            for period in ctx.periods
        ]
        self.format = {key: formats[i % len(formats)] for i, key in enumerate(layout)}
        self.files: list[SampleFile] = []
        self.faults: list[PlantedFault] = []

    def orgs(self, collection: str) -> list[str]:
        return sorted(reference.orgs() if collection == "indicators" else self.ctx.trusts)

    def write(self, collection: str, frame: pl.DataFrame) -> None:
        columns = [c for c in frame.columns if not c.startswith("_")]
        parts = frame.partition_by("_org", "_period", as_dict=True, include_key=False)
        empty = pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
        for org in self.orgs(collection):
            for period in self.ctx.periods:
                fmt = self.format[(collection, org, str(period))]
                name = f"{collection}/{collection}_{org}_{period}.{fmt}"
                part = parts.get((org, str(period)), empty).select(columns)
                rng = self.ctx.rng("faults", name)
                part, planted = plant_faults(collection, part, name, period, rng, self.bad_rows)
                path = self.out_dir / name
                # landed returns hold identifiers (sample ones look alike): owner-only
                private_dir(path.parent, top=self.out_dir)
                _write_file(part, path, fmt, created=self.ctx.periods[-1].last_day)
                private_file(path)
                _set_landed(path, period, rng)
                self.files.append(SampleFile(name, collection, org, str(period), fmt, len(part)))
                self.faults.extend(planted)

    def report(self) -> SampleReport:
        files = tuple(sorted(self.files, key=lambda f: (f.collection, f.org, f.period)))
        order = {f.path: i for i, f in enumerate(files)}
        faults = tuple(sorted(self.faults, key=lambda f: (order[f.file], f.row)))
        faults_file = self.out_dir / FAULTS_FILE
        if not faults:  # no stale list from an earlier run
            faults_file.unlink(missing_ok=True)
            return SampleReport(self.out_dir, files, (), None)
        pl.DataFrame(
            [(f.file, f.row, f.column, f.rule) for f in faults],
            schema={"file": pl.String, "row": pl.Int64, "column": pl.String, "rule": pl.String},
            orient="row",
        ).write_csv(faults_file)
        return SampleReport(self.out_dir, files, faults, faults_file)


# Returns land 3 to 6 weeks after quarter end, one in twenty after the six-week deadline.
LANDED_DAYS = (21, 42)
LATE_SHARE, LATE_DAYS = 0.05, (43, 70)


def _set_landed(path: Path, period, rng) -> None:
    """Date the file as if it landed when a Trust would send it (`sws status` reads this)."""
    late = rng.random() < LATE_SHARE
    low, high = LATE_DAYS if late else LANDED_DAYS
    day = period.last_day + dt.timedelta(days=int(rng.integers(low, high + 1)))
    stamp = dt.datetime(day.year, day.month, day.day, 10).timestamp()
    os.utime(path, (stamp, stamp))


def _write_file(frame: pl.DataFrame, path: Path, fmt: str, *, created: dt.date) -> None:
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "parquet":
        frame.write_parquet(path)
    else:
        # in-memory workbook: fixed zip timestamps; fixed creation date: byte-identical files
        workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
        workbook.set_properties({"created": dt.datetime(created.year, created.month, created.day)})
        frame.write_excel(workbook, autofilter=False)
        workbook.close()
