"""The workforce return: post holders at each quarter end, and who is allocated to people."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contracts import reference
from pipelines.sample.columns import as_codes, date_text
from pipelines.sample.context import epoch_day
from pipelines.sample.draws import pick, probabilities

if TYPE_CHECKING:
    from pipelines.sample.context import Context

# Workforce (brief; after the DoH NI HSC workforce census and the NISCC register): about 3,700
# social work WTE in the five Trusts, about 4,100 post holders; turnover about 12% a year.
WORKFORCE_HEADCOUNT = 4_100
TURNOVER = 0.03
AYE_SHARE_OF_STARTERS = 0.5  # AYE lasts 4 quarters: 4 x 3% x 0.5 = ~6% of post holders
FULL_TIME_SHARE = 0.75  # the rest 0.5-0.8 WTE: mean 0.91 WTE a head, ~3,740 WTE
# two-place WTEs too (20 or 24 of 37.5 hours): totals then need two places (issue #11.6)
PART_TIME_WTE = (0.5, 0.53, 0.6, 0.64, 0.7, 0.8)
BANK_HOLIDAYS_PER_QUARTER = 2  # contracted days = weekdays - 2: 60-64 full time
DIRECT_WORK_RECORDED = 0.6  # share of staff whose direct work hours are recorded
ROLE_WEIGHTS = {
    "social_worker": 0.70,
    "senior_practitioner": 0.12,
    "team_leader": 0.10,
    "principal_social_worker": 0.03,
    "manager": 0.05,
}
FRONT_LINE_ROLES = ("social_worker", "senior_practitioner")  # allocated to people
AYE_ROLE = "social_worker"
BAND_BY_ROLE = {  # Agenda for Change bands of NI social work posts
    "social_worker": {"6": 0.95, "5": 0.05},
    "senior_practitioner": {"7": 1.0},
    "team_leader": {"7": 0.8, "8A": 0.2},
    "principal_social_worker": {"8A": 0.6, "8B": 0.4},
    "manager": {"8A": 0.4, "8B": 0.35, "8C": 0.18, "8D": 0.07},
}
CONTRACT_WEIGHTS = {"permanent": 0.85, "temporary": 0.07, "agency": 0.08}
AYE_CONTRACT = "permanent"
# Age bands (from, to years) and weights: ~26% aged 50 or over (NISCC register age profile).
AGE_BANDS = {
    "under_30": (21, 30, 0.13),
    "30_39": (30, 40, 0.28),
    "40_49": (40, 50, 0.33),
    "50_59": (50, 60, 0.20),
    "60_plus": (60, 68, 0.06),
}
STAFF_POC_WEIGHTS = {"POC3": 0.45, "POC4": 0.20, "POC5": 0.15, "POC6": 0.10, "POC7": 0.10}


def staff(ctx: Context) -> pl.DataFrame:
    """Post holders per quarter end; people persist, ~3% leave and ~3% join a quarter."""
    rng = ctx.rng("workforce")
    roles = reference.codes("job_role")
    bands = reference.codes("band")
    contracts = reference.codes("contract_type")
    age_bands = [b for b in reference.codes("age_band") if b in AGE_BANDS]
    n_q = ctx.n_periods
    weekdays = [
        np.busday_count(p.first_day, p.last_day + dt.timedelta(days=1)) for p in ctx.periods
    ]
    base_days = np.array(weekdays) - BANK_HOLIDAYS_PER_QUARTER
    prefix = ctx.id_prefix()
    frames = []
    for t in range(len(ctx.trusts)):
        first_heads = rng.poisson(WORKFORCE_HEADCOUNT * ctx.scale * ctx.share[t])
        joiners = rng.poisson(TURNOVER * first_heads, size=max(n_q - 1, 0))
        start = np.concatenate(
            [1 - rng.geometric(TURNOVER, first_heads), np.repeat(np.arange(1, n_q), joiners)]
        )
        n = len(start)
        leave = start + rng.geometric(TURNOVER, n)  # in post for quarters start .. leave - 1
        leave[:first_heads] = rng.geometric(TURNOVER, first_heads)
        aye_starter = (start >= -3) & (rng.random(n) < AYE_SHARE_OF_STARTERS)
        if AYE_ROLE not in roles:
            aye_starter[:] = False
        role = pick(rng, roles, ROLE_WEIGHTS, n)
        if aye_starter.any():
            role[aye_starter] = roles.index(AYE_ROLE)
        band = np.zeros(n, dtype=np.int64)
        for r, code in enumerate(roles):
            mask = role == r
            band[mask] = pick(rng, bands, BAND_BY_ROLE.get(code, {b: 1 for b in bands}), mask.sum())
        contract = pick(rng, contracts, CONTRACT_WEIGHTS, n)
        if AYE_CONTRACT in contracts:
            contract[aye_starter] = contracts.index(AYE_CONTRACT)
        wte = np.where(rng.random(n) < FULL_TIME_SHARE, 1.0, rng.choice(PART_TIME_WTE, n))
        band_of = rng.choice(
            len(age_bands),
            n,
            p=probabilities(age_bands, {b: w for b, (_, _, w) in AGE_BANDS.items()}),
        )
        low = np.array([AGE_BANDS[b][0] for b in age_bands])[band_of]
        high = np.array([AGE_BANDS[b][1] for b in age_bands])[band_of]
        age0 = low + rng.random(n) * (high - low)  # age at the first generated quarter
        age0 = np.where(aye_starter, rng.triangular(21, 24, 40, n) - start / 4, age0)
        poc = pick(rng, ctx.pocs, STAFF_POC_WEIGHTS, n)
        front = np.isin(role, [roles.index(r) for r in FRONT_LINE_ROLES if r in roles])
        recorded = rng.random(n) < DIRECT_WORK_RECORDED
        direct_share = np.where(front, rng.uniform(0.18, 0.38, n), rng.uniform(0.02, 0.10, n))
        width = max(6, len(str(4 * n)))
        # staff numbers: distinct (7,919 is prime to 10**width), not in order of joining
        numbers = (np.arange(n) * 7_919 + int(rng.integers(10**width))) % 10**width
        ids = np.array([f"{prefix[t]}{x:0{width}d}" for x in numbers.tolist()], dtype=object)
        age_floor = np.array([AGE_BANDS[b][0] for b in age_bands])
        for q in range(n_q):
            who = np.nonzero((start <= q) & (q < leave))[0]
            m = len(who)
            new = start[who] == q
            worked = np.where(new, rng.uniform(0.15, 1.0, m), 1.0)
            contracted = np.rint(base_days[q] * wte[who] * worked).astype(np.int64)
            sickness = _sickness(rng, m)
            sickness = np.minimum(sickness, contracted)
            hours = np.round(
                (contracted - sickness) * 7.5 * direct_share[who] * rng.uniform(0.8, 1.2, m), 1
            )
            age = age0[who] + q / 4
            frames.append(
                pl.DataFrame(
                    {
                        "_trust": np.full(m, t),
                        "_q": np.full(m, q),
                        "_poc": poc[who],
                        "_front_line": front[who],
                        "worker_id": ids[who].astype(str),
                        "snapshot_date": np.full(m, epoch_day(ctx.periods[q].last_day)),
                        "_role": role[who],
                        "_band": band[who],
                        "wte": wte[who],
                        "_contract": contract[who],
                        "_aye": aye_starter[who] & (q - start[who] < 4),
                        "_age_band": np.maximum(np.searchsorted(age_floor, age, "right") - 1, 0),
                        "contracted_days": contracted,
                        "sickness_days": sickness,
                        "_hours": hours,
                        "_recorded": recorded[who],
                        "_recruit": rng.triangular(40, 70, 150, m).astype(np.int64),
                        "_new": new,
                    }
                )
            )
    wf = pl.concat(frames).with_columns(
        job_role=as_codes("_role", roles),
        band=as_codes("_band", bands),
        contract_type=as_codes("_contract", contracts),
        aye=pl.when("_aye").then(pl.lit("true")).otherwise(pl.lit("false")),
        age_band=as_codes("_age_band", age_bands),
        direct_work_hours=pl.when("_recorded").then("_hours"),
        recruitment_days=pl.when("_new").then("_recruit"),
        snapshot_date=date_text("snapshot_date"),
        programme_of_care=as_codes("_poc", ctx.pocs),
        _day=pl.col("snapshot_date"),
    )
    return wf.sort("_trust", "_q", "worker_id")


def _sickness(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days off sick in a quarter: half none, most of the rest 0.5-5, a long tail (~6% overall)."""
    u = rng.random(n)
    short = rng.integers(1, 11, n) / 2
    long = np.round((5 + rng.exponential(12, n)) * 2) / 2
    return np.where(u < 0.5, 0.0, np.where(u < 0.85, short, long))


class FrontLineWorkers:
    """Front-line post holders per (Trust, quarter, programme of care), to allocate to people."""

    def __init__(self, ctx: Context, staff: pl.DataFrame):
        front = staff.filter(pl.col("_front_line")).sort("_trust", "_q", "_poc", "worker_id")
        self._ids = front["worker_id"]
        self._n_poc, self._n_q = len(ctx.pocs), ctx.n_periods
        tq = front["_trust"].to_numpy() * self._n_q + front["_q"].to_numpy()
        self._key_tq = tq
        self._key = tq * self._n_poc + front["_poc"].to_numpy()
        self._prefix = ctx.id_prefix()

    def allocate(self, trust, quarter, poc, person) -> pl.Series:
        """A worker id per record: a front-line worker of the Trust in that quarter, of the
        person's programme of care where there is one; stable while that worker stays in post."""
        spread = (person.astype(np.uint64) * np.uint64(2_654_435_761)) % np.uint64(2**32)
        spread = spread.astype(np.int64)
        tq = trust * self._n_q + quarter
        pos = self._choose(self._key_tq, tq, spread)
        same_poc = self._choose(self._key, tq * self._n_poc + poc, spread)
        pos = np.where(same_poc >= 0, same_poc, pos)
        ids = self._ids.extend_constant(None, 1).gather(np.where(pos >= 0, pos, len(self._ids)))
        missing = np.nonzero(pos < 0)[0]
        if len(missing):  # tiny scales only: no staff in that Trust that quarter
            ids = ids.scatter(missing, [f"{self._prefix[int(trust[i])]}000000" for i in missing])
        return ids

    @staticmethod
    def _choose(keys: np.ndarray, wanted: np.ndarray, spread: np.ndarray) -> np.ndarray:
        """Position of one of the rows whose key is ``wanted`` (picked by ``spread``), or -1."""
        lo = np.searchsorted(keys, wanted)
        hi = np.searchsorted(keys, wanted, side="right")
        return np.where(hi > lo, lo + spread % np.maximum(hi - lo, 1), -1)
