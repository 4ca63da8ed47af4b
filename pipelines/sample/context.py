"""The run's context: periods, Trusts and their shares, random streams and the HCN pool."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from contracts import reference
from contracts.periods import Period
from pipelines.sample.draws import stream
from pipelines.sample.hcn_pool import HcnPool

if TYPE_CHECKING:
    from pipelines.sample.workforce import FrontLineWorkers

# Trusts' shares of regional volumes: roughly their shares of the NI population served and of the
# NISCC social work register by employer. A Trust in seeds/orgs.csv that is not listed gets the
# mean share.
TRUST_SHARE = {"BHSCT": 0.25, "NHSCT": 0.24, "SEHSCT": 0.18, "SHSCT": 0.19, "WHSCT": 0.14}
DAYS_PER_QUARTER = 365.25 / 4
EPOCH = dt.date(1970, 1, 1)  # days are counted from here, as numpy and polars do


def epoch_day(date: dt.date) -> int:
    return (date - EPOCH).days


def calendar_year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


@dataclass
class Context:
    seed: int
    scale: float
    periods: list[Period]
    trusts: tuple[str, ...]
    share: np.ndarray  # per Trust
    bounds: np.ndarray  # first day of each period, then the day after the last (epoch days)
    hcns: HcnPool
    sexes: tuple[str, ...]
    pocs: tuple[str, ...]
    lgds: tuple[str, ...]
    own_lgds: tuple[np.ndarray, ...]  # per Trust: indices of LGDs whose main Trust it is
    workers: FrontLineWorkers | None = None  # once the workforce is built

    @classmethod
    def build(cls, periods: list[Period], *, scale: float, seed: int) -> Context:
        trusts = tuple(sorted(reference.orgs(trusts_only=True)))
        mean_share = float(np.mean(list(TRUST_SHARE.values())))
        share = np.array([TRUST_SHARE.get(t, mean_share) for t in trusts])
        lgd_seed = reference.seed("lgds").sort("lgd_code")
        lgds = tuple(lgd_seed["lgd_code"].to_list())
        mains = lgd_seed["main_trust"].to_list()
        own = tuple(
            np.array([i for i, m in enumerate(mains) if m == t], dtype=np.int64) for t in trusts
        )
        first_days = [epoch_day(p.first_day) for p in periods]
        first_days.append(epoch_day(periods[-1].last_day) + 1)
        return cls(
            seed=seed,
            scale=scale,
            periods=periods,
            trusts=trusts,
            share=share / share.sum(),
            bounds=np.array(first_days, dtype=np.int64),
            hcns=HcnPool(seed),
            sexes=reference.codes("sex"),
            pocs=tuple(reference.column("programmes_of_care", "poc_code")),
            lgds=lgds,
            own_lgds=own,
        )

    def rng(self, *parts: str) -> np.random.Generator:
        return stream(self.seed, *parts)

    @property
    def n_periods(self) -> int:
        return len(self.periods)

    @property
    def lo(self) -> int:
        return int(self.bounds[0])

    @property
    def hi(self) -> int:
        return int(self.bounds[-1])

    def quarter_of(self, days: np.ndarray) -> np.ndarray:
        """Index of the generated period holding each day (-1 before, n_periods after)."""
        return np.searchsorted(self.bounds, days, side="right") - 1

    def random_day(self, rng: np.random.Generator, quarter: np.ndarray) -> np.ndarray:
        length = self.bounds[quarter + 1] - self.bounds[quarter]
        return self.bounds[quarter] + (rng.random(len(quarter)) * length).astype(np.int64)

    def per_trust_quarter(self, rng: np.random.Generator, per_quarter: float, quarters: int):
        """Poisson counts (Trust x quarter) around ``per_quarter`` regionally at this scale."""
        lam = per_quarter * self.scale * self.share
        return rng.poisson(np.repeat(lam[:, None], quarters, axis=1))

    def poc_index(self, code: str) -> int:
        return self.pocs.index(code)

    def id_prefix(self) -> dict[int, str]:
        """Trust index -> id prefix, e.g. BHSCT -> BH."""
        return {t: org.removesuffix("SCT") for t, org in enumerate(self.trusts)}
