"""The people in the returns: attributes, moves between Trusts, Health and Care Numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from pipelines.sample.draws import pick

if TYPE_CHECKING:
    from pipelines.sample.context import Context

# People who move Trust during the generated periods (their later records are in the new Trust).
MOVE_SHARE = 0.015
# Sex of people in the returns (F share varies by cohort; X and U are rare).
SEX_RARE = {"X": 0.003, "U": 0.007}
FEMALE, MALE = "F", "M"
OUT_OF_AREA = 0.08  # people living in an LGD whose main Trust is another
CHILDREN_POC = "POC3"
# Ages (low, mode, high) of adults by programme of care.
ADULT_AGES = {
    "POC4": (65, 82, 99),
    "POC5": (18, 38, 80),
    "POC6": (18, 35, 75),
    "POC7": (18, 52, 85),
}
DEFAULT_ADULT_AGES = (18, 45, 85)


def draw_persons(ctx: Context, rng, trust, birth_year, poc, female) -> pl.DataFrame:
    """One row per person (pid = position): home Trust, LGD, sex, birth year, POC, and a move.

    ``female`` is the share of F, for everyone or per person."""
    n = len(trust)
    mover = rng.random(n) < MOVE_SHARE
    others = max(len(ctx.trusts) - 1, 1)
    new_trust = (trust + rng.integers(1, others + 1, size=n)) % len(ctx.trusts)
    return pl.DataFrame(
        {
            "pid": np.arange(n, dtype=np.int64),
            "_home": trust.astype(np.int64),
            "_home_lgd": _lgd_index(ctx, rng, trust),
            "sex": _sex_index(ctx, rng, female, n),
            "birth_year": birth_year.astype(np.int64),
            "_poc": np.broadcast_to(poc, (n,)).astype(np.int64),
            "_move_day": np.where(
                mover & (len(ctx.trusts) > 1),
                ctx.lo + (rng.random(n) * (ctx.hi - ctx.lo)).astype(np.int64),
                np.iinfo(np.int64).max,
            ),
            "_new_trust": new_trust,
            "_new_lgd": _lgd_index(ctx, rng, new_trust),
        }
    )


def _sex_index(ctx: Context, rng: np.random.Generator, female, n: int) -> np.ndarray:
    """Mostly F or M (``female`` = share of F, per person or for all); X and U rarely."""
    rare = pick(rng, ctx.sexes, SEX_RARE, n)
    u = rng.random(n)
    common = np.where(
        u < np.asarray(female) * (1 - sum(SEX_RARE.values())),
        ctx.sexes.index(FEMALE),
        ctx.sexes.index(MALE),
    )
    return np.where(u < 1 - sum(SEX_RARE.values()), common, rare)


def _lgd_index(ctx: Context, rng: np.random.Generator, trust: np.ndarray) -> np.ndarray:
    """Mostly an LGD whose main Trust is the person's Trust; now and then any LGD."""
    anywhere = rng.integers(len(ctx.lgds), size=len(trust))
    lengths = np.array([len(o) for o in ctx.own_lgds])
    width = max(1, lengths.max())
    table = np.full((len(ctx.trusts), width), -1, dtype=np.int64)
    for t, own in enumerate(ctx.own_lgds):
        table[t, : len(own)] = own
    pos = (rng.random(len(trust)) * np.maximum(lengths[trust], 1)).astype(np.int64)
    home = table[trust, pos]
    return np.where((home >= 0) & (rng.random(len(trust)) >= OUT_OF_AREA), home, anywhere)


def locate(records: pl.DataFrame, persons: pl.DataFrame, day: str) -> pl.DataFrame:
    """Attach person attributes; records on or after a person's move belong to the new Trust."""
    moved = pl.col(day) >= pl.col("_move_day")
    return (
        records.join(persons, on="pid", how="left", maintain_order="left")
        .with_columns(
            _trust=pl.when(moved).then("_new_trust").otherwise("_home"),
            _lgd=pl.when(moved).then("_new_lgd").otherwise("_home_lgd"),
        )
        .drop("_home", "_home_lgd", "_move_day", "_new_trust", "_new_lgd")
    )


def with_hcn(ctx: Context, records: pl.DataFrame) -> pl.DataFrame:
    """Give every person that appears a unique HCN (in pid order: deterministic)."""
    used = records["pid"].unique().sort()
    hcns = pl.DataFrame({"pid": used, "hcn": ctx.hcns.take(len(used))})
    return records.join(hcns, on="pid", how="left", maintain_order="left")
