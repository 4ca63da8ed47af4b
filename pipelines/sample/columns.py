"""From index columns to the text columns of a return (every value is written as text)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contracts import reference

if TYPE_CHECKING:
    from pipelines.sample.context import Context


def as_codes(column: str, codes: Sequence[str]) -> pl.Expr:
    """An index column as the codes it points to."""
    return pl.col(column).replace_strict(
        list(range(len(codes))), list(codes), return_dtype=pl.String
    )


def lookup(codes: Sequence[str], index: np.ndarray) -> pl.Series:
    """``codes[index]`` as a text column (fast: no numpy strings)."""
    return pl.Series(list(codes), dtype=pl.String).gather(index)


def date_text(column: str) -> pl.Expr:
    """An epoch-day column as an ISO date."""
    return pl.col(column).cast(pl.Int32).cast(pl.Date).cast(pl.String)


def person_columns(ctx: Context) -> list[pl.Expr]:
    """Text columns for the common person fields."""
    return [
        as_codes("sex", ctx.sexes).alias("sex"),
        as_codes("_lgd", ctx.lgds).alias("lgd_code"),
        as_codes("_poc", ctx.pocs).alias("programme_of_care"),
    ]


def numbered_ids(ctx: Context, records: pl.DataFrame, letter: str) -> pl.Series:
    """Ids numbered per Trust in row order (records already sorted by Trust, then date)."""
    counts = records["_trust"].value_counts()["count"]
    width = max(6, len(str(int(counts.max() or 0))))
    prefix = ctx.id_prefix()
    return records.select(
        pl.concat_str(
            pl.col("_trust").replace_strict(
                list(prefix), list(prefix.values()), return_dtype=pl.String
            ),
            pl.lit(f"-{letter}-"),
            (pl.int_range(pl.len()).over("_trust") + 1).cast(pl.String).str.zfill(width),
        )
    ).to_series()


def spec_text(ctx: Context, frame: pl.DataFrame, collection: str, day: str) -> pl.DataFrame:
    """Spec columns as text (catalog order) plus ``_org`` and ``_period`` (from the ``day``
    column) for the split into files."""
    columns = reference.catalog(collection)["item"].to_list()
    names = [str(p) for p in ctx.periods]
    quarter = ctx.quarter_of(frame[day].to_numpy())
    return frame.with_columns(
        _org=as_codes("_trust", ctx.trusts), _period=lookup(names, quarter)
    ).select("_org", "_period", *[pl.col(c).cast(pl.String) for c in columns])
