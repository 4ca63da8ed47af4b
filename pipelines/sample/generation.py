"""``generate()``: check the arguments, then build and write each collection in a fixed order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from contracts.periods import Period, period_range
from pipelines.sample import ascot, dsf, indicators, raw, star, workforce
from pipelines.sample.columns import spec_text
from pipelines.sample.context import Context
from pipelines.sample.report import SampleReport
from pipelines.sample.story import DEMO
from pipelines.sample.workforce import FrontLineWorkers
from pipelines.sample.writing import FORMATS, Writer


def generate(
    out_dir: Path,
    *,
    periods: int = 8,
    end_period: str = "2025-26-Q4",
    scale: float = 1.0,
    seed: int = 7,
    bad_rows: float = 0.0,
    formats: Sequence[str] = ("csv",),
    story: bool = False,
) -> SampleReport:
    """Write sample returns for ``periods`` quarters ending at ``end_period`` under ``out_dir``;
    with ``story``, the latest period as the demo tells it (``pipelines/sample/story.py``)."""
    formats = tuple(formats)
    if periods < 1:
        raise ValueError("periods must be at least 1")
    if not scale > 0:
        raise ValueError("scale must be positive")
    if not 0 <= bad_rows < 1:
        raise ValueError("bad_rows must be in [0, 1)")
    if seed < 0:
        raise ValueError("seed must not be negative")
    if not formats or any(f not in FORMATS for f in formats):
        raise ValueError(f"formats must be some of {sorted(FORMATS)}, got {formats!r}")
    last = Period.parse(end_period)
    ctx = Context.build(period_range(last.shift(1 - periods), last), scale=scale, seed=seed)

    writer = Writer(
        ctx, Path(out_dir), bad_rows=bad_rows, formats=formats, story=DEMO if story else None
    )
    staff = workforce.staff(ctx)
    ctx.workers = FrontLineWorkers(ctx, staff)  # the other collections allocate these
    writer.write("workforce", spec_text(ctx, staff, "workforce", "_day"))
    del staff
    # One collection at a time (memory), always in this order: HCNs are handed out in it.
    for collection, build in (
        ("dsf", dsf.build),
        ("star", star.build),
        ("ascot", ascot.build),
        ("raw", raw.build),
        ("indicators", indicators.build),
    ):
        writer.write(collection, build(ctx))
    return writer.report()
