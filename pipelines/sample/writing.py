"""Writing the returns: one file per (collection, org, period), faults planted on the way."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import xlsxwriter

from contracts import reference
from pipelines.sample.faults import plant_faults
from pipelines.sample.report import PlantedFault, SampleFile, SampleReport
from pipelines.sample.story import Story, StoryEvent

if TYPE_CHECKING:
    from pipelines.sample.context import Context

FORMATS = ("csv", "xlsx", "parquet")  # also the file extensions
FAULTS_FILE = "planted_faults.csv"


class Writer:
    """Writes each collection's files; formats rotate over all files in sorted order."""

    def __init__(
        self,
        ctx: Context,
        out_dir: Path,
        *,
        bad_rows: float,
        formats: tuple[str, ...],
        story: Story | None = None,
    ):
        self.ctx, self.out_dir, self.bad_rows, self.story = ctx, out_dir, bad_rows, story
        layout = [
            (collection, org, str(period))
            for collection in sorted(reference.collections())
            for org in self.orgs(collection)
            for period in ctx.periods
        ]
        self.format = {key: formats[i % len(formats)] for i, key in enumerate(layout)}
        self.files: list[SampleFile] = []
        self.faults: list[PlantedFault] = []
        self.events: list[StoryEvent] = []

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
                if self.story is not None and period == self.ctx.periods[-1]:
                    self._tell(collection, org, period, name, part, rng)
                    continue
                part, planted = plant_faults(collection, part, name, period, rng, self.bad_rows)
                self._write(name, collection, org, period, part, _landed_day(period, rng))
                self.faults.extend(planted)

    def _tell(self, collection: str, org: str, period, name: str, clean: pl.DataFrame, rng):
        """The latest period's return as the story has it (pipelines/sample/story.py)."""
        story = self.story
        turn = story.turn(collection, org)
        if turn == "missing":
            self.events.append(StoryEvent(turn, name, "never sent"))
            return
        count = story.faults.get(collection, 0)
        part, planted = plant_faults(
            collection, clean, name, period, rng, self.bad_rows, count=count
        )
        self.faults.extend(planted)
        if turn in ("superseded", "refused"):  # v1, then a _v2 two weeks later, both on time
            day = period.last_day + dt.timedelta(days=LANDED_DAYS[0])
            self._write(name, collection, org, period, part, day)
            second = clean
            if turn == "refused":
                second = clean.drop(story.refused_without)
            stem, fmt = name.rsplit(".", 1)
            resent = f"{stem}_v2.{fmt}"
            self._write(resent, collection, org, period, second, day + RESENT_AFTER, version=2)
            if turn == "superseded":
                self.events.append(StoryEvent(turn, name, f"by {resent}, bad rows corrected"))
            else:
                detail = f"no column {story.refused_without}: {name} stays current"
                self.events.append(StoryEvent(turn, resent, detail))
            return
        day = _landed_day(period, rng, late=turn == "late")
        self._write(name, collection, org, period, part, day)
        if turn == "late":
            self.events.append(StoryEvent(turn, name, f"lands {day}, after the deadline"))

    def _write(self, name, collection, org, period, part, landed: dt.date, *, version=1):
        path = self.out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = name.rsplit(".", 1)[1]
        _write_file(part, path, fmt, created=self.ctx.periods[-1].last_day)
        stamp = dt.datetime(landed.year, landed.month, landed.day, 10).timestamp()
        os.utime(path, (stamp, stamp))  # when a Trust would send it: `sws status` reads this
        self.files.append(
            SampleFile(name, collection, org, str(period), fmt, len(part), version=version)
        )

    def report(self) -> SampleReport:
        files = tuple(sorted(self.files, key=lambda f: (f.collection, f.org, f.period)))
        order = {f.path: i for i, f in enumerate(files)}
        faults = tuple(sorted(self.faults, key=lambda f: (order[f.file], f.row)))
        events = tuple(self.events)
        faults_file = self.out_dir / FAULTS_FILE
        if not faults:  # no stale list from an earlier run
            faults_file.unlink(missing_ok=True)
            return SampleReport(self.out_dir, files, (), None, events)
        pl.DataFrame(
            [(f.file, f.row, f.column, f.rule) for f in faults],
            schema={"file": pl.String, "row": pl.Int64, "column": pl.String, "rule": pl.String},
            orient="row",
        ).write_csv(faults_file)
        return SampleReport(self.out_dir, files, faults, faults_file, events)


# Returns land 3 to 6 weeks after quarter end, one in twenty after the six-week deadline.
LANDED_DAYS = (21, 42)
LATE_SHARE, LATE_DAYS = 0.05, (43, 70)
RESENT_AFTER = dt.timedelta(days=14)  # a story's resubmission, still before the deadline


def _landed_day(period, rng, *, late: bool | None = None) -> dt.date:
    """When a Trust would send the return: late by chance, unless ``late`` says."""
    drawn = rng.random() < LATE_SHARE
    low, high = LATE_DAYS if (drawn if late is None else late) else LANDED_DAYS
    return period.last_day + dt.timedelta(days=int(rng.integers(low, high + 1)))


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
