"""Reference lists, read from the seed CSVs that dbt loads too (one home for every list)."""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


@functools.cache
def seed(name: str) -> pl.DataFrame:
    """A seed as text columns, exactly as written."""
    return pl.read_csv(SEEDS_DIR / f"{name}.csv", infer_schema=False)


def column(name: str, field: str) -> tuple[str, ...]:
    return tuple(seed(name)[field].to_list())


def codes(code_list: str) -> tuple[str, ...]:
    """A small code list from ``codes.csv`` (sex, instrument, band, ...)."""
    rows = seed("codes").filter(pl.col("code_list") == code_list)
    if rows.is_empty():
        raise KeyError(f"no code list {code_list!r} in seeds/codes.csv")
    return tuple(rows["code"].to_list())


@functools.cache  # asked for each file's name
def orgs(*, trusts_only: bool = False) -> tuple[str, ...]:
    rows = seed("orgs")
    if trusts_only:
        rows = rows.filter(pl.col("is_trust") == "true")
    return tuple(rows["org_code"].to_list())


def star_areas() -> dict[str, tuple[str, ...]]:
    """Star version -> its area codes, in form order."""
    rows = seed("star_areas").with_columns(pl.col("area_order").cast(pl.Int32)).sort("area_order")
    return {
        version: tuple(rows.filter(pl.col("star_version") == version)["area_code"].to_list())
        for version in column("star_versions", "star_version")
    }


def catalog(collection: str | None = None) -> pl.DataFrame:
    """The collection catalog: every item of every return."""
    rows = seed("collection_catalog")
    return rows if collection is None else rows.filter(pl.col("collection") == collection)


@functools.cache  # asked for each file's name
def collections() -> tuple[str, ...]:
    return tuple(catalog()["collection"].unique(maintain_order=True).to_list())
