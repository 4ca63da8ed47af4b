"""Deterministic sample Trust returns in the landing layout of returns.md.

``generate()`` writes a plausible quarter-by-quarter set of returns for every collection, Trust
and period asked for, optionally with a known share of bad rows (each with exactly one fault,
listed in ``planted_faults.csv``). Same arguments, same bytes: every random draw comes from a
numpy Generator seeded from (seed, collection, purpose), never from the clock, and everything is
iterated in sorted order.

Sizes: at ``scale=1`` the volumes per quarter are about the real Northern Ireland ones (figures and
their sources next to each constant below); ``scale`` multiplies them. The big collections are
built with numpy/polars column operations, not Python loops over rows.

Every code comes from the seeds (``contracts.reference``). The parameter tables below are keyed by
seed codes only to say how common each code is; a code that is not in the seeds is never written,
and a seed code with no parameters here is simply not generated.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from contracts import reference
from contracts.hcn import check_digit
from contracts.periods import Period, period_range

__all__ = ["PlantedFault", "SampleFile", "SampleReport", "generate"]

FORMATS = {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet"}
FAULTS_FILE = "planted_faults.csv"

# ---------------------------------------------------------------------------------------------
# Published figures and parameters (per quarter, regional, at scale 1)
# ---------------------------------------------------------------------------------------------

# Trusts' shares of regional volumes: roughly their shares of the NI population served and of the
# NISCC social work register by employer. A Trust in seeds/orgs.csv that is not listed gets the
# mean share.
TRUST_SHARE = {"BHSCT": 0.25, "NHSCT": 0.24, "SEHSCT": 0.18, "SHSCT": 0.19, "WHSCT": 0.14}
# People who move Trust during the generated periods (their later records are in the new Trust).
MOVE_SHARE = 0.015
DAYS_PER_QUARTER = 365.25 / 4
DAYS_PER_YEAR = 365.25

# Workforce: DoH NI HSC workforce census / NISCC register: about 3,700 social work WTE in the five
# Trusts, about 4,100 post holders; turnover about 12% a year (3% leave, 3% join, per quarter).
WORKFORCE_HEADCOUNT = 4_100
TURNOVER = 0.03
AYE_SHARE_OF_STARTERS = 0.5  # AYE lasts 4 quarters: 4 x 3% x 0.5 = ~6% of post holders
FULL_TIME_SHARE = 0.75  # the rest 0.5-0.8 WTE: mean 0.91 WTE a head, ~3,740 WTE
PART_TIME_WTE = (0.5, 0.6, 0.7, 0.8)
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
AGENCY = "agency"
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

# Sex of people in the returns (F share varies by cohort; X and U are rare).
SEX_RARE = {"X": 0.003, "U": 0.007}
FEMALE, MALE = "F", "M"
# Ages (low, mode, high) of adults by programme of care.
ADULT_AGES = {
    "POC4": (65, 82, 99),
    "POC5": (18, 38, 80),
    "POC6": (18, 35, 75),
    "POC7": (18, 52, 85),
}
DEFAULT_ADULT_AGES = (18, 45, 85)

# DSF. DoH "Children's Social Care Statistics for NI": ~2,000 initial child protection case
# conferences a year and ~2,200 children on the child protection register; ~4,000 children looked
# after, ~1,000 starting to be looked after each year. Adult safeguarding investigations (~900),
# ASW assessments (~1,200) and carers' assessments offered (~2,500) a quarter: DSF report sizes.
CP_ICPC, CP_REVIEW, LAC_REVIEW = "CP_ICPC", "CP_REVIEW", "LAC_REVIEW"
CHILDREN_POC = "POC3"
CP_ICPC_PER_QUARTER = 500
CP_REGISTERED_SHARE = 0.85  # conferences that register the child
CP_MEAN_DAYS_REGISTERED = 470  # 500 x 0.85 x 470 / 91 = ~2,200 on the register
CP_REVIEW_DAYS = ((91,), 182)  # first review within 3 months, then every 6 months (~1,100/q)
LAC_ENTRIES_PER_QUARTER = 230
LAC_SHORT_SHARE, LAC_SHORT_DAYS, LAC_LONG_DAYS = 0.3, 120, 2_600  # ~4,000 in care at any time
LAC_REVIEW_DAYS = ((28, 119), 182)  # within 28 days, 3 months later, then 6-monthly (~2,000/q)


@dataclass(frozen=True)
class _OneOff:
    """A DSF function whose events come at a steady rate (not a schedule of reviews)."""

    per_quarter: int
    lag_days: tuple[int, int]  # from start (referral, request) to due
    pool_per_event: float  # people per event over the periods: fewer means more repeats
    poc_weights: dict[str, float]
    female: float
    ages: tuple[int, int, int] | None = None  # (low, mode, high); None: by programme of care


ONE_OFF_EVENTS = {
    "ASG_INVESTIGATION": _OneOff(
        900, (14, 42), 3.0, {"POC4": 0.6, "POC5": 0.15, "POC6": 0.12, "POC7": 0.13}, 0.55
    ),
    "MH_ASW_ASSESSMENT": _OneOff(1_200, (1, 3), 1.5, {"POC5": 1.0}, 0.45),
    "CARER_ASSESSMENT": _OneOff(  # the carer is the person
        2_500,
        (21, 35),
        2.0,
        {"POC4": 0.65, "POC5": 0.10, "POC6": 0.12, "POC7": 0.13},
        0.65,
        ages=(25, 58, 90),
    ),
}
ON_TIME = {  # share of events completed on or before the due date (DSF reports: 80-90%)
    CP_ICPC: 0.80,
    CP_REVIEW: 0.92,
    LAC_REVIEW: 0.86,
    "ASG_INVESTIGATION": 0.82,
    "MH_ASW_ASSESSMENT": 0.90,
    "CARER_ASSESSMENT": 0.84,
}
DEFAULT_ON_TIME = 0.85
OPEN_SHARE = 0.05  # still open at period end
LATE_REPORTED_DAYS = 28  # completions this long after period end still make the return

# Outcomes Star: ~2,000 readings a quarter regionally, every 1-2 quarters, 1 + Poisson(2.5) readings
# a journey (at most 8).
STAR_READINGS_PER_QUARTER = 2_000


@dataclass(frozen=True)
class _StarVersion:
    poc: str
    share: float  # of journeys
    ages: tuple[int, int, int]  # (low, mode, high)
    female: float


STAR_VERSIONS = {
    "family_plus": _StarVersion("POC3", 0.45, (18, 32, 55), 0.8),  # completed with the parent
    "older_people": _StarVersion("POC4", 0.25, (65, 81, 99), 0.6),
    "recovery": _StarVersion("POC5", 0.30, (18, 38, 70), 0.45),
}
STAR_JOURNEY = (2.5, 8, {1: 0.6, 2: 0.4})  # extra readings (Poisson mean), most, gap weights
# ASCOT (adult social care): ~3,000 assessments a quarter; reviews 2-4 quarters apart.
ASCOT_PER_QUARTER = 3_000
ASCOT_JOURNEY = (0.8, 5, {2: 0.2, 3: 0.3, 4: 0.5})
ASCOT_POC_WEIGHTS = {"POC4": 0.6, "POC5": 0.13, "POC6": 0.12, "POC7": 0.15}
INSTRUMENT_WEIGHTS = {"SCT4": 0.6, "INT4": 0.4}
INTERVIEW = "INT4"  # the instrument with `<domain>_expected`
ASCOT_EMPTY_DOMAIN = 0.03
SATISFACTION = (0.30, 0.33, 0.18, 0.08, 0.05, 0.04, 0.02)  # 1..7
SATISFACTION_EMPTY = 0.07
EXPECTED_DROP = (0.30, 0.45, 0.20, 0.05)  # expected = current - 0..3 (usually <= current)
# RAW: ~800 young people in care a quarter answer; their social worker answers too.
RAW_PER_QUARTER = 800
RAW_JOURNEY = (1.2, 5, {1: 0.5, 2: 0.5})
YOUNG_PERSON, SOCIAL_WORKER = "young_person", "social_worker"
RAW_MAX_AGE = 21
# Indicators: regional counts a quarter (Trusts and REGION's own), and public survey respondents.
INDICATOR_COUNTS = {
    "QI_LEADS": 60,
    "QI_MENTORS": 25,
    "IHI_ADVISERS": 6,
    "LEADERSHIP_COMPLETIONS": 40,
    "LEP_SERVICE_USER_MEMBERS": 50,
}
DEFAULT_INDICATOR_COUNT = 20
REGION_SHARE = 0.15  # REGION's own figures, relative to the Trusts' total
SURVEY_RESPONDENTS = 1_000  # per quarter regionally (Trust surveys); REGION runs its own
FAIR_OR_BETTER = 0.86
INDICATOR_NOTES = ("Provisional figure", "Includes staff on secondment", "Revised count")


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFile:
    """One written return: its path relative to ``out_dir`` (``/``-separated), and data rows."""

    path: str
    collection: str
    org: str
    period: str
    format: str
    rows: int


@dataclass(frozen=True)
class PlantedFault:
    """A planted fault: ``row`` as a spreadsheet shows it (header = 1); ``value`` as written."""

    file: str
    row: int
    column: str
    rule: str
    value: str | None


@dataclass(frozen=True)
class SampleReport:
    out_dir: Path
    files: tuple[SampleFile, ...]
    faults: tuple[PlantedFault, ...]
    faults_file: Path | None  # written only when faults were planted

    @property
    def rows(self) -> dict[str, int]:
        """Data rows per file (relative path)."""
        return {f.path: f.rows for f in self.files}

    def rows_by_collection(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for f in self.files:
            totals[f.collection] = totals.get(f.collection, 0) + f.rows
        return totals


def generate(
    out_dir: Path,
    *,
    periods: int = 8,
    end_period: str = "2025-26-Q4",
    scale: float = 1.0,
    seed: int = 7,
    bad_rows: float = 0.0,
    formats: Sequence[str] = ("csv",),
) -> SampleReport:
    """Write sample returns for ``periods`` quarters ending at ``end_period`` under ``out_dir``."""
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
    ctx = _Ctx.build(period_range(last.shift(1 - periods), last), scale=scale, seed=seed)

    writer = _Writer(ctx, Path(out_dir), bad_rows=bad_rows, formats=formats)
    staff = _workforce(ctx)
    ctx.workers = _Workers(ctx, staff)
    writer.write("workforce", _finish(ctx, staff, "workforce", "_day"))
    del staff
    # One collection at a time (memory), always in this order: HCNs are handed out in it.
    for collection, build in (
        ("dsf", _dsf),
        ("star", _star),
        ("ascot", _ascot),
        ("raw", _raw),
        ("indicators", _indicators),
    ):
        writer.write(collection, build(ctx))
    return writer.report()


# ---------------------------------------------------------------------------------------------
# Context, random streams, small vector helpers
# ---------------------------------------------------------------------------------------------

EPOCH = dt.date(1970, 1, 1)


def _day(date: dt.date) -> int:
    return (date - EPOCH).days


def _stream(seed: int, *parts: str) -> np.random.Generator:
    """An independent random stream per purpose, the same in every process (no ``hash()``)."""
    return np.random.default_rng([seed, *(zlib.crc32(part.encode()) for part in parts)])


def _years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., n - 1 for consecutive groups of the given sizes."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def _weights(codes: Sequence[str], table: dict[str, float]) -> np.ndarray:
    """Probabilities over ``codes`` (seed order) from a weight table; unlisted codes get 0."""
    weights = np.array([table.get(code, 0.0) for code in codes], dtype=float)
    if weights.sum() <= 0:
        raise ValueError(f"no weights for any of {list(codes)} in {sorted(table)}")
    return weights / weights.sum()


def _pick(rng: np.random.Generator, codes: Sequence[str], table: dict[str, float], n: int):
    """``n`` indices into ``codes`` drawn with the weights of ``table``."""
    return rng.choice(len(codes), size=n, p=_weights(codes, table))


def _ages(rng: np.random.Generator, low_mode_high: tuple[float, float, float], n: int):
    low, mode, high = low_mode_high
    return rng.triangular(low, mode, high, n)


def _mean_visits(extra: float, most: int) -> float:
    """E[min(1 + Poisson(extra), most)]."""
    pmf, at_least = math.exp(-extra), 1.0
    total = 1.0
    for j in range(1, most):
        at_least -= pmf  # P(X >= j)
        total += at_least
        pmf *= extra / j
    return total


class _HcnPool:
    """Unique valid Health and Care Numbers, in a fixed pseudo-random order.

    Nine-digit prefixes walk the NI range (320 000 000 - 399 999 999) by an affine bijection, so
    no prefix repeats; the check digit comes from ``contracts.hcn.check_digit`` and prefixes with
    no valid digit are skipped.
    """

    FIRST, SPAN = 320_000_000, 80_000_000

    def __init__(self, seed: int):
        rng = _stream(seed, "hcn")
        mult = int(rng.integers(self.SPAN // 3, self.SPAN))
        while math.gcd(mult, self.SPAN) != 1:
            mult += 1
        self._mult, self._offset, self._next = mult, int(rng.integers(self.SPAN)), 0

    def take(self, n: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            batch = int((n - len(out)) * 1.12) + 16
            index = np.arange(self._next, self._next + batch, dtype=np.int64)
            prefixes = self.FIRST + (index * self._mult + self._offset) % self.SPAN
            for i, prefix in enumerate(map(str, prefixes.tolist())):
                digit = check_digit(prefix)
                if digit is not None:
                    out.append(f"{prefix}{digit}")
                    if len(out) == n:
                        self._next += i + 1
                        return out
            self._next += batch
        return out


@dataclass
class _Ctx:
    seed: int
    scale: float
    periods: list[Period]
    trusts: tuple[str, ...]
    share: np.ndarray  # per Trust
    bounds: np.ndarray  # first day of each period, then the day after the last (epoch days)
    hcns: _HcnPool
    sexes: tuple[str, ...]
    pocs: tuple[str, ...]
    lgds: tuple[str, ...]
    own_lgds: tuple[np.ndarray, ...]  # per Trust: indices of LGDs whose main Trust it is
    workers: _Workers | None = None

    @classmethod
    def build(cls, periods: list[Period], *, scale: float, seed: int) -> _Ctx:
        trusts = tuple(sorted(reference.orgs(trusts_only=True)))
        mean_share = float(np.mean(list(TRUST_SHARE.values())))
        share = np.array([TRUST_SHARE.get(t, mean_share) for t in trusts])
        lgd_seed = reference.seed("lgds").sort("lgd_code")
        lgds = tuple(lgd_seed["lgd_code"].to_list())
        mains = lgd_seed["main_trust"].to_list()
        own = tuple(
            np.array([i for i, m in enumerate(mains) if m == t], dtype=np.int64) for t in trusts
        )
        first_days = [_day(p.first_day) for p in periods] + [_day(periods[-1].last_day) + 1]
        return cls(
            seed=seed,
            scale=scale,
            periods=periods,
            trusts=trusts,
            share=share / share.sum(),
            bounds=np.array(first_days, dtype=np.int64),
            hcns=_HcnPool(seed),
            sexes=reference.codes("sex"),
            pocs=tuple(reference.column("programmes_of_care", "poc_code")),
            lgds=lgds,
            own_lgds=own,
        )

    def rng(self, *parts: str) -> np.random.Generator:
        return _stream(self.seed, *parts)

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

    def sex_index(self, rng: np.random.Generator, female, n: int) -> np.ndarray:
        """Mostly F or M (``female`` = share of F, per person or for all); X and U rarely."""
        rare = _pick(rng, self.sexes, SEX_RARE, n)
        u = rng.random(n)
        common = np.where(
            u < np.asarray(female) * (1 - sum(SEX_RARE.values())),
            self.sexes.index(FEMALE),
            self.sexes.index(MALE),
        )
        return np.where(u < 1 - sum(SEX_RARE.values()), common, rare)

    def lgd_index(self, rng: np.random.Generator, trust: np.ndarray) -> np.ndarray:
        """Mostly an LGD whose main Trust is the person's Trust; 8% any LGD."""
        anywhere = rng.integers(len(self.lgds), size=len(trust))
        lengths = np.array([len(o) for o in self.own_lgds])
        width = max(1, lengths.max())
        table = np.full((len(self.trusts), width), -1, dtype=np.int64)
        for t, own in enumerate(self.own_lgds):
            table[t, : len(own)] = own
        pos = (rng.random(len(trust)) * np.maximum(lengths[trust], 1)).astype(np.int64)
        home = table[trust, pos]
        return np.where((home >= 0) & (rng.random(len(trust)) >= 0.08), home, anywhere)

    def id_prefix(self) -> dict[int, str]:
        """Trust index -> id prefix, e.g. BHSCT -> BH."""
        return {t: org.removesuffix("SCT") for t, org in enumerate(self.trusts)}


class _Workers:
    """Front-line post holders per (Trust, quarter, programme of care), to allocate to people."""

    def __init__(self, ctx: _Ctx, workforce: pl.DataFrame):
        front = workforce.filter(pl.col("_front_line")).sort("_trust", "_q", "_poc", "worker_id")
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


# ---------------------------------------------------------------------------------------------
# People: attributes, moves between Trusts, Health and Care Numbers
# ---------------------------------------------------------------------------------------------


def _persons(ctx, rng, trust, birth_year, poc, female: float) -> pl.DataFrame:
    """One row per person (pid = position): home Trust, LGD, sex, birth year, POC, and a move."""
    n = len(trust)
    mover = rng.random(n) < MOVE_SHARE
    others = max(len(ctx.trusts) - 1, 1)
    new_trust = (trust + rng.integers(1, others + 1, size=n)) % len(ctx.trusts)
    return pl.DataFrame(
        {
            "pid": np.arange(n, dtype=np.int64),
            "_home": trust.astype(np.int64),
            "_home_lgd": ctx.lgd_index(rng, trust),
            "sex": ctx.sex_index(rng, female, n),
            "birth_year": birth_year.astype(np.int64),
            "_poc": np.broadcast_to(poc, (n,)).astype(np.int64),
            "_move_day": np.where(
                mover & (len(ctx.trusts) > 1),
                ctx.lo + (rng.random(n) * (ctx.hi - ctx.lo)).astype(np.int64),
                np.iinfo(np.int64).max,
            ),
            "_new_trust": new_trust,
            "_new_lgd": ctx.lgd_index(rng, new_trust),
        }
    )


def _locate(records: pl.DataFrame, persons: pl.DataFrame, day: str) -> pl.DataFrame:
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


def _with_hcn(ctx: _Ctx, records: pl.DataFrame) -> pl.DataFrame:
    """Give every person that appears a unique HCN (in pid order: deterministic)."""
    used = records["pid"].unique().sort()
    hcns = pl.DataFrame({"pid": used, "hcn": ctx.hcns.take(len(used))})
    return records.join(hcns, on="pid", how="left", maintain_order="left")


def _ids(ctx: _Ctx, records: pl.DataFrame, letter: str) -> pl.Series:
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


def _codes(column: str, codes: Sequence[str]) -> pl.Expr:
    return pl.col(column).replace_strict(
        list(range(len(codes))), list(codes), return_dtype=pl.String
    )


def _lookup(codes: Sequence[str], index: np.ndarray) -> pl.Series:
    """``codes[index]`` as a text column (fast: no numpy strings)."""
    return pl.Series(list(codes), dtype=pl.String).gather(index)


def _people_text(ctx: _Ctx) -> list[pl.Expr]:
    """Text columns for the common person fields."""
    return [
        _codes("sex", ctx.sexes).alias("sex"),
        _codes("_lgd", ctx.lgds).alias("lgd_code"),
        _codes("_poc", ctx.pocs).alias("programme_of_care"),
    ]


def _date(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Int32).cast(pl.Date).cast(pl.String)


def _finish(ctx: _Ctx, frame: pl.DataFrame, collection: str, day: str) -> pl.DataFrame:
    """Spec columns as text (catalog order) plus ``_org`` and ``_period`` for the file split."""
    columns = reference.catalog(collection)["item"].to_list()
    names = [str(p) for p in ctx.periods]
    quarter = ctx.quarter_of(frame[day].to_numpy())
    return frame.with_columns(
        _org=_codes("_trust", ctx.trusts), _period=_lookup(names, quarter)
    ).select("_org", "_period", *[pl.col(c).cast(pl.String) for c in columns])


def _visits(ctx: _Ctx, rng, per_quarter: float, journey: tuple[float, int, dict[int, float]]):
    """Journeys of repeated contacts (Star readings, ASCOT reviews, RAW questionnaires).

    Journeys start every quarter (Poisson, per Trust), including a burn-in before the first
    generated period so that the first period is already in steady state. Each has
    ``1 + Poisson(extra)`` contacts (at most ``most``), ``gaps`` quarters apart. Returns the
    journeys (Trust, start quarter) and the contacts inside the generated periods
    (journey, 1-based number, quarter).
    """
    extra, most, gaps = journey
    burn = (most - 1) * max(gaps)
    quarters = np.arange(-burn, ctx.n_periods)
    counts = ctx.per_trust_quarter(rng, per_quarter / _mean_visits(extra, most), len(quarters))
    trust = np.repeat(np.arange(len(ctx.trusts)), counts.sum(axis=1))
    start = np.repeat(np.tile(quarters, len(ctx.trusts)), counts.ravel())
    n = np.minimum(1 + rng.poisson(extra, len(trust)), most)
    owner = np.repeat(np.arange(len(trust)), n)
    number = _within(n)
    gap_values = np.array(sorted(gaps))
    gap = rng.choice(gap_values, size=len(owner), p=[gaps[g] for g in gap_values])
    gap[number == 0] = 0
    total = np.cumsum(gap)
    quarter = start[owner] + total - np.repeat(total[np.cumsum(n) - n], n)
    keep = (quarter >= 0) & (quarter < ctx.n_periods)
    visits = {"owner": owner[keep], "number": number[keep] + 1, "q": quarter[keep]}
    return trust, start, visits


def _start_year(ctx: _Ctx, start_quarter: np.ndarray) -> np.ndarray:
    """Calendar year at the start of a (possibly burn-in) quarter, for ages."""
    return _years((ctx.lo + start_quarter * DAYS_PER_QUARTER).astype(np.int64))


# ---------------------------------------------------------------------------------------------
# workforce
# ---------------------------------------------------------------------------------------------


def _workforce(ctx: _Ctx) -> pl.DataFrame:
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
        role = _pick(rng, roles, ROLE_WEIGHTS, n)
        if aye_starter.any():
            role[aye_starter] = roles.index(AYE_ROLE)
        band = np.zeros(n, dtype=np.int64)
        for r, code in enumerate(roles):
            mask = role == r
            band[mask] = _pick(
                rng, bands, BAND_BY_ROLE.get(code, {b: 1 for b in bands}), mask.sum()
            )
        contract = _pick(rng, contracts, CONTRACT_WEIGHTS, n)
        if AYE_CONTRACT in contracts:
            contract[aye_starter] = contracts.index(AYE_CONTRACT)
        wte = np.where(rng.random(n) < FULL_TIME_SHARE, 1.0, rng.choice(PART_TIME_WTE, n))
        band_of = rng.choice(
            len(age_bands), n, p=_weights(age_bands, {b: w for b, (_, _, w) in AGE_BANDS.items()})
        )
        low = np.array([AGE_BANDS[b][0] for b in age_bands])[band_of]
        high = np.array([AGE_BANDS[b][1] for b in age_bands])[band_of]
        age0 = low + rng.random(n) * (high - low)  # age at the first generated quarter
        age0 = np.where(aye_starter, rng.triangular(21, 24, 40, n) - start / 4, age0)
        poc = _pick(rng, ctx.pocs, STAFF_POC_WEIGHTS, n)
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
                        "snapshot_date": np.full(m, _day(ctx.periods[q].last_day)),
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
        job_role=_codes("_role", roles),
        band=_codes("_band", bands),
        contract_type=_codes("_contract", contracts),
        aye=pl.when("_aye").then(pl.lit("true")).otherwise(pl.lit("false")),
        age_band=_codes("_age_band", age_bands),
        direct_work_hours=pl.when("_recorded").then("_hours"),
        recruitment_days=pl.when("_new").then("_recruit"),
        snapshot_date=_date("snapshot_date"),
        programme_of_care=_codes("_poc", ctx.pocs),
        _day=pl.col("snapshot_date"),
    )
    return wf.sort("_trust", "_q", "worker_id")


def _sickness(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days off sick in a quarter: half none, most of the rest 0.5-5, a long tail (~6% overall)."""
    u = rng.random(n)
    short = rng.integers(1, 11, n) / 2
    long = np.round((5 + rng.exponential(12, n)) * 2) / 2
    return np.where(u < 0.5, 0.0, np.where(u < 0.85, short, long))


# ---------------------------------------------------------------------------------------------
# dsf
# ---------------------------------------------------------------------------------------------


def _dsf(ctx: _Ctx) -> pl.DataFrame:
    """Statutory events due in each period: CP conferences, LAC reviews and one-off events."""
    rng = ctx.rng("dsf")
    functions = reference.column("dsf_functions", "function_code")
    parts = []  # (persons, events) per kind of event; person ids are per part
    if CHILDREN_POC in ctx.pocs and {CP_ICPC, CP_REVIEW} & set(functions):
        parts.append(_child_protection(ctx, rng, functions))
    if CHILDREN_POC in ctx.pocs and LAC_REVIEW in functions:
        parts.append(_looked_after(ctx, rng))
    parts += [_one_off(ctx, rng, code) for code in functions if code in ONE_OFF_EVENTS]
    persons, events, offset = [], [], 0
    for persons_, events_ in parts:
        persons.append(persons_.with_columns(pl.col("pid") + offset))
        events.append(events_.with_columns(pl.col("pid") + offset))
        offset += len(persons_)
    records = pl.concat(events).with_row_index("_seq")  # _seq: a tie-break for sorting
    records = _locate(records, pl.concat(persons), "due")
    records = records.with_columns(completed=_completed(ctx, rng, records))
    records = _with_hcn(ctx, records).sort("_trust", "due", "pid", "_seq")
    records = records.with_columns(
        *_people_text(ctx),
        event_id=_ids(ctx, records, "E"),
        start_date=_date("start"),
        due_date=_date("due"),
        completed_date=_date("completed"),
    )
    return _finish(ctx, records, "dsf", "due")


def _schedule(anchor, end, fixed: tuple[int, ...], every: int, lo: int, hi: int):
    """Reviews due at ``anchor + fixed[i]``, then every ``every`` days, while before ``end``.

    Returns (owner, due, start) for reviews due in [lo, hi); a review's clock starts at the
    previous conference (the anchor for the first).
    """
    owners, dues, starts = [], [], []
    previous = anchor
    for offset in fixed:
        due = anchor + offset
        keep = (due < end) & (due >= lo) & (due < hi)
        owners.append(np.nonzero(keep)[0])
        dues.append(due[keep])
        starts.append(previous[keep])
        previous = due
    base = anchor + fixed[-1]
    k_lo = np.maximum(1, -((base - lo) // every))  # ceil((lo - base) / every)
    k_hi = (np.minimum(end, hi) - 1 - base) // every
    n = np.clip(k_hi - k_lo + 1, 0, None)
    owner = np.repeat(np.arange(len(anchor)), n)
    due = base[owner] + every * (k_lo[owner] + _within(n))
    owners.append(owner)
    dues.append(due)
    starts.append(due - every)
    return np.concatenate(owners), np.concatenate(dues), np.concatenate(starts)


def _children(ctx: _Ctx, rng, entries_per_quarter: float, history_days: int, age_mode: float):
    """Children entering a process (Poisson per Trust) from ``history_days`` before the first
    period to the last: (Trust, entry day, birth day)."""
    first = ctx.lo - history_days
    quarters = (ctx.hi - first) / DAYS_PER_QUARTER
    counts = rng.poisson(entries_per_quarter * ctx.scale * ctx.share * quarters)
    trust = np.repeat(np.arange(len(ctx.trusts)), counts)
    entry = first + (rng.random(len(trust)) * (ctx.hi - first)).astype(np.int64)
    age_days = (rng.triangular(0, age_mode, 18, len(trust)) * DAYS_PER_YEAR).astype(np.int64)
    return trust, entry, entry - age_days


def _child_persons(ctx: _Ctx, rng, trust, birth) -> pl.DataFrame:
    birth_year = _years(birth)
    return _persons(ctx, rng, trust, birth_year, ctx.poc_index(CHILDREN_POC), 0.5)


def _child_protection(ctx: _Ctx, rng, functions) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Initial conferences (~500/q) and review conferences of registered children (~1,100/q)."""
    trust, icpc, birth = _children(ctx, rng, CP_ICPC_PER_QUARTER, 4 * 365, 4.0)
    n = len(trust)
    registered = rng.random(n) < CP_REGISTERED_SHARE
    shape = 1.5
    length = rng.gamma(shape, CP_MEAN_DAYS_REGISTERED / shape, n).astype(np.int64)
    end = np.where(registered, np.minimum(icpc + length, birth + int(18 * DAYS_PER_YEAR)), icpc)
    parts = []
    if CP_ICPC in functions:
        keep = np.nonzero((icpc >= ctx.lo) & (icpc < ctx.hi))[0]
        # strategy discussion to conference: within 15 working days
        lead = rng.integers(10, 26, len(keep))
        parts.append((keep, icpc[keep], icpc[keep] - lead, CP_ICPC))
    if CP_REVIEW in functions:
        fixed, every = CP_REVIEW_DAYS
        owner, due, start = _schedule(icpc, end, fixed, every, ctx.lo, ctx.hi)
        parts.append((owner, due, start, CP_REVIEW))
    return _child_persons(ctx, rng, trust, birth), _events(parts)


def _looked_after(ctx: _Ctx, rng) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reviews of looked-after children (~2,000/q), in care until they go home or turn 18."""
    trust, entry, birth = _children(ctx, rng, LAC_ENTRIES_PER_QUARTER, 18 * 365, 2.0)
    n = len(trust)
    mean = np.where(rng.random(n) < LAC_SHORT_SHARE, LAC_SHORT_DAYS, LAC_LONG_DAYS)
    end = np.minimum(
        entry + rng.exponential(mean).astype(np.int64), birth + int(18 * DAYS_PER_YEAR)
    )
    fixed, every = LAC_REVIEW_DAYS
    owner, due, start = _schedule(entry, end, fixed, every, ctx.lo, ctx.hi)
    return _child_persons(ctx, rng, trust, birth), _events([(owner, due, start, LAC_REVIEW)])


def _one_off(ctx: _Ctx, rng, code: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events due at a steady rate; people drawn from a pool, so some come back."""
    kind = ONE_OFF_EVENTS[code]
    counts = ctx.per_trust_quarter(rng, kind.per_quarter, ctx.n_periods)
    trust = np.repeat(np.arange(len(ctx.trusts)), counts.sum(axis=1))
    quarter = np.concatenate([np.repeat(np.arange(ctx.n_periods), row) for row in counts])
    due = ctx.random_day(rng, quarter)
    start = due - rng.integers(kind.lag_days[0], kind.lag_days[1] + 1, len(due))
    pool = np.maximum(np.ceil(counts.sum(axis=1) * kind.pool_per_event), 1).astype(np.int64)
    pool_start = np.cumsum(pool) - pool
    owner = pool_start[trust] + (rng.random(len(trust)) * pool[trust]).astype(np.int64)
    person_trust = np.repeat(np.arange(len(ctx.trusts)), pool)
    poc = _pick(rng, ctx.pocs, kind.poc_weights, len(person_trust))
    age = np.empty(len(poc))
    for p, poc_code in enumerate(ctx.pocs):
        mask = poc == p
        age[mask] = _ages(
            rng, kind.ages or ADULT_AGES.get(poc_code, DEFAULT_ADULT_AGES), mask.sum()
        )
    birth_year = _years(np.array([ctx.lo])) - age.astype(np.int64)
    persons = _persons(ctx, rng, person_trust, birth_year, poc, kind.female)
    return persons, _events([(owner, due, start, code)])


EVENT_SCHEMA = {"pid": pl.Int64, "due": pl.Int64, "start": pl.Int64, "function_code": pl.String}


def _events(parts) -> pl.DataFrame:
    """(person, due day, start day, function) rows from (owners, dues, starts, code) parts."""
    frames = [
        pl.DataFrame(
            {"pid": owner, "due": due, "start": start, "function_code": [code] * len(owner)},
            schema=EVENT_SCHEMA,
        )
        for owner, due, start, code in parts
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=EVENT_SCHEMA)


def _completed(ctx: _Ctx, rng, records: pl.DataFrame) -> pl.Series:
    """Mostly on time, some late, ~5% open; late completions after the return was due are open."""
    start, due = records["start"].to_numpy(), records["due"].to_numpy()
    n = len(due)
    on_time = records["function_code"].replace_strict(ON_TIME, default=DEFAULT_ON_TIME).to_numpy()
    trust_effect = rng.normal(0, 0.03, len(ctx.trusts))[records["_trust"].to_numpy()]
    u = rng.random(n)
    is_open = u < OPEN_SHARE
    in_time = ~is_open & (u < OPEN_SHARE + np.clip(on_time + trust_effect, 0, 1 - OPEN_SHARE))
    early = np.minimum(rng.integers(0, 15, n), due - start)
    late = rng.geometric(0.08, n)
    done = np.where(in_time, due - early, due + late)
    period_end = ctx.bounds[np.clip(ctx.quarter_of(due), 0, ctx.n_periods - 1) + 1] - 1
    is_open |= done > period_end + LATE_REPORTED_DAYS
    return pl.Series("completed", done).scatter(np.nonzero(is_open)[0], None)


# ---------------------------------------------------------------------------------------------
# star
# ---------------------------------------------------------------------------------------------


def _star(ctx: _Ctx) -> pl.DataFrame:
    """Outcomes Star readings (~2,000 a quarter), one row per area, scores drifting upward."""
    rng = ctx.rng("star")
    areas_by_version = reference.star_areas()
    versions = [
        v for v in areas_by_version if v in STAR_VERSIONS and STAR_VERSIONS[v].poc in ctx.pocs
    ]
    trust, start, visits = _visits(ctx, rng, STAR_READINGS_PER_QUARTER, STAR_JOURNEY)
    n = len(trust)
    version = rng.choice(
        len(versions), n, p=_weights(versions, {v: STAR_VERSIONS[v].share for v in versions})
    )
    poc = np.array([ctx.poc_index(STAR_VERSIONS[v].poc) for v in versions])[version]
    age = np.empty(n)
    female = np.empty(n)
    for i, v in enumerate(versions):
        mask = version == i
        age[mask] = _ages(rng, STAR_VERSIONS[v].ages, mask.sum())
        female[mask] = STAR_VERSIONS[v].female
    persons = _persons(ctx, rng, trust, _start_year(ctx, start) - age.astype(np.int64), poc, female)
    n_areas = np.array([len(areas_by_version[v]) for v in versions])
    base = rng.normal(3.8, 1.0, n)  # most start "accepting help"
    step = rng.normal(0.6, 0.5, n)  # change per reading: upward on average
    area_effect = rng.normal(0, 1.0, (n, int(n_areas.max())))

    owner, quarter = visits["owner"], visits["q"]
    readings = pl.DataFrame(
        {
            "pid": owner,
            "reading_number": visits["number"],
            "day": ctx.random_day(rng, quarter),
            "_q": quarter,
            "_version": version[owner],
        }
    )
    readings = _locate(readings, persons, "day")
    readings = readings.with_columns(
        worker_id=ctx.workers.allocate(
            readings["_trust"].to_numpy(), quarter, readings["_poc"].to_numpy(), owner
        )
    )
    readings = _with_hcn(ctx, readings).sort("_trust", "day", "pid", "_version")
    readings = readings.with_columns(reading_id=_ids(ctx, readings, "R"))

    # one row per area of the version
    per = n_areas[readings["_version"].to_numpy()]
    row = np.repeat(np.arange(len(readings)), per)
    position = _within(per)
    j = readings["pid"].to_numpy()[row]
    number = readings["reading_number"].to_numpy()[row]
    score = (
        base[j] + area_effect[j, position] + step[j] * (number - 1) + rng.normal(0, 0.7, len(row))
    )
    areas = [area for v in versions for area in areas_by_version[v]]
    first_area = np.cumsum(n_areas) - n_areas  # of each version, in `areas`
    area = first_area[readings["_version"].to_numpy()[row]] + position
    rows = readings[row].with_columns(
        *_people_text(ctx),
        area_code=_lookup(areas, area),
        score=pl.Series(np.clip(np.rint(score), 1, 10).astype(np.int64)),
        star_version=_codes("_version", versions),
        reading_date=_date("day"),
    )
    return _finish(ctx, rows, "star", "day")


# ---------------------------------------------------------------------------------------------
# ascot
# ---------------------------------------------------------------------------------------------


def _ascot(ctx: _Ctx) -> pl.DataFrame:
    """ASCOT assessments (~3,000 a quarter), people reassessed 2-4 quarters later."""
    rng = ctx.rng("ascot")
    domains = reference.seed("ascot_domains").with_columns(pl.col("domain_order").cast(pl.Int32))
    domains = domains.sort("domain_order")["domain"].to_list()
    instruments = reference.codes("instrument")
    trust, start, visits = _visits(ctx, rng, ASCOT_PER_QUARTER, ASCOT_JOURNEY)
    n = len(trust)
    poc = _pick(rng, ctx.pocs, ASCOT_POC_WEIGHTS, n)
    age = np.empty(n)
    for p, poc_code in enumerate(ctx.pocs):
        mask = poc == p
        age[mask] = _ages(rng, ADULT_AGES.get(poc_code, DEFAULT_ADULT_AGES), mask.sum())
    persons = _persons(ctx, rng, trust, _start_year(ctx, start) - age.astype(np.int64), poc, 0.58)
    level = rng.normal(1.9, 0.5, n)  # a person's usual state across domains (0-3)
    domain_effect = rng.normal(0, 0.5, (n, len(domains)))

    owner, quarter, number = visits["owner"], visits["q"], visits["number"]
    m = len(owner)
    instrument = _pick(rng, instruments, INSTRUMENT_WEIGHTS, m)
    interview = (
        instrument == instruments.index(INTERVIEW)
        if INTERVIEW in instruments
        else np.zeros(m, bool)
    )
    shape = (m, len(domains))
    current = level[owner, None] + domain_effect[owner] + 0.1 * (number[:, None] - 1)
    current = np.clip(np.rint(current + rng.normal(0, 0.5, shape)), 0, 3).astype(np.int64)
    drop = rng.choice(len(EXPECTED_DROP), shape, p=EXPECTED_DROP)
    drop = np.where(rng.random(shape) < 0.05, -1, drop)  # now and then: better without services
    expected = np.clip(current - drop, 0, 3)
    # ~3% of assessments have one domain value (current or expected) left empty
    empty = rng.random(m) < ASCOT_EMPTY_DOMAIN
    slots = np.where(interview, 2 * len(domains), len(domains))
    empty_slot = np.where(empty, (rng.random(m) * slots).astype(np.int64), -1)
    satisfaction = rng.choice(len(SATISFACTION), m, p=SATISFACTION) + 1

    values: dict[str, pl.Series] = {}
    for d, name in enumerate(domains):
        values[name] = pl.Series(current[:, d]).scatter(np.nonzero(empty_slot == d)[0], None)
        blank = ~interview | (empty_slot == len(domains) + d)
        values[f"{name}_expected"] = pl.Series(expected[:, d]).scatter(np.nonzero(blank)[0], None)
    values["satisfaction"] = pl.Series(satisfaction).scatter(
        np.nonzero(rng.random(m) < SATISFACTION_EMPTY)[0], None
    )
    records = pl.DataFrame({"pid": owner, "day": ctx.random_day(rng, quarter), "_q": quarter})
    records = records.with_columns(instrument=_lookup(instruments, instrument), **values)
    records = _locate(records, persons, "day")
    records = records.with_columns(
        worker_id=ctx.workers.allocate(
            records["_trust"].to_numpy(), quarter, records["_poc"].to_numpy(), owner
        )
    )
    records = _with_hcn(ctx, records).sort("_trust", "day", "pid")
    records = records.with_columns(
        *_people_text(ctx),
        assessment_id=_ids(ctx, records, "A"),
        assessment_date=_date("day"),
    )
    return _finish(ctx, records, "ascot", "day")


# ---------------------------------------------------------------------------------------------
# raw
# ---------------------------------------------------------------------------------------------


def _raw(ctx: _Ctx) -> pl.DataFrame:
    """RAW questionnaires (~800 young people a quarter, and their social workers), 12 items."""
    rng = ctx.rng("raw")
    items = reference.seed("raw_items").with_columns(pl.col("item_order").cast(pl.Int32))
    items = items.sort("item_order")["item_code"].to_list()
    respondents = reference.codes("respondent")
    trust, start, visits = _visits(ctx, rng, RAW_PER_QUARTER, RAW_JOURNEY)
    n = len(trust)
    age = rng.triangular(8, 15, 19, n).astype(np.int64)
    children = ctx.poc_index(CHILDREN_POC) if CHILDREN_POC in ctx.pocs else 0
    persons = _persons(ctx, rng, trust, _start_year(ctx, start) - age, children, 0.5)
    level = rng.normal(3.0, 0.55, n)  # how the young person rates the relationship (0-4)
    item_effect = rng.normal(0, 0.3, len(items))

    owner, quarter = visits["owner"], visits["q"]
    day = ctx.random_day(rng, quarter)
    sw_day = np.minimum(day + rng.integers(0, 15, len(day)), ctx.bounds[quarter + 1] - 1)
    pairs = pl.DataFrame({"pid": owner, "day": day, "_sw_day": sw_day, "_q": quarter})
    pairs = _locate(pairs, persons, "day")
    pairs = pairs.filter(
        pl.col("day").cast(pl.Int32).cast(pl.Date).dt.year() - pl.col("birth_year") <= RAW_MAX_AGE
    )
    pairs = pairs.with_columns(
        worker_id=ctx.workers.allocate(
            pairs["_trust"].to_numpy(),
            pairs["_q"].to_numpy(),
            pairs["_poc"].to_numpy(),
            pairs["pid"].to_numpy(),
        ),
        _sw_level=pl.Series(rng.normal(0.2, 0.3, len(pairs))),
    )
    wanted = [r for r in (YOUNG_PERSON, SOCIAL_WORKER) if r in respondents]
    questionnaires = pl.concat(
        [
            pairs.with_columns(
                respondent=pl.lit(r),
                _respondent=pl.lit(i),
                day=pl.col("day") if r == YOUNG_PERSON else pl.col("_sw_day"),
            )
            for i, r in enumerate(wanted)
        ]
    )
    questionnaires = _with_hcn(ctx, questionnaires).sort("_trust", "day", "pid", "_respondent")
    questionnaires = questionnaires.with_columns(response_id=_ids(ctx, questionnaires, "Q"))

    row = np.repeat(np.arange(len(questionnaires)), len(items))
    position = np.tile(np.arange(len(items)), len(questionnaires))
    pid = questionnaires["pid"].to_numpy()[row]
    worker_view = questionnaires["respondent"].to_numpy() == SOCIAL_WORKER
    lift = np.where(worker_view, questionnaires["_sw_level"].to_numpy(), 0.0)
    score = level[pid] + lift[row] + item_effect[position] + rng.normal(0, 0.6, len(row))
    rows = questionnaires[row].with_columns(
        *_people_text(ctx),
        item_code=_lookup(items, position),
        score=pl.Series(np.clip(np.rint(score), 0, 4).astype(np.int64)),
        response_date=_date("day"),
    )
    return _finish(ctx, rows, "raw", "day")


# ---------------------------------------------------------------------------------------------
# indicators
# ---------------------------------------------------------------------------------------------


def _indicators(ctx: _Ctx) -> pl.DataFrame:
    """Six aggregate rows per org and period (Trusts and REGION), from seeds/indicators.csv."""
    rng = ctx.rng("indicators")
    indicators = reference.seed("indicators")
    orgs = sorted(reference.orgs())
    share = {t: float(s) for t, s in zip(ctx.trusts, ctx.share, strict=True)}
    rows = []
    for org in orgs:
        weight = share.get(org, REGION_SHARE)
        for period in ctx.periods:
            for code, kind in indicators.select("indicator_code", "indicator_kind").iter_rows():
                if kind == "proportion":
                    respondents = max(1, int(rng.poisson(SURVEY_RESPONDENTS * ctx.scale * weight)))
                    numerator = int(rng.binomial(respondents, FAIR_OR_BETTER))
                    denominator: str | None = str(respondents)
                else:
                    base = INDICATOR_COUNTS.get(code, DEFAULT_INDICATOR_COUNT)
                    numerator = int(rng.poisson(base * ctx.scale * weight))
                    denominator = None
                note = (
                    INDICATOR_NOTES[int(rng.integers(len(INDICATOR_NOTES)))]
                    if rng.random() < 0.1
                    else None
                )
                rows.append((org, str(period), code, str(numerator), denominator, note))
    columns = reference.catalog("indicators")["item"].to_list()
    return pl.DataFrame(rows, schema=["_org", "_period", *columns], orient="row")


# ---------------------------------------------------------------------------------------------
# Planted faults: the (rule, column) pairs per collection. Each planted fault makes its row fail
# exactly one rule: cross-field rules that a change could also break are avoided.
# ---------------------------------------------------------------------------------------------

PERSON_FAULTS = [
    ("required", "hcn"),
    ("required", "sex"),
    ("required", "birth_year"),
    ("hcn_check_digit", "hcn"),
    ("hcn_format", "hcn"),
    ("code", "sex"),
    ("code", "lgd_code"),
]
FAULTS = {
    "star": [
        *PERSON_FAULTS,
        ("required", "worker_id"),
        ("required", "score"),
        ("code", "programme_of_care"),
        ("range", "score"),
        ("integer", "score"),
        ("integer", "reading_number"),
        ("date", "reading_date"),
        ("period", "reading_date"),
    ],
    "ascot": [
        *PERSON_FAULTS,
        ("required", "worker_id"),
        ("required", "assessment_date"),
        ("code", "programme_of_care"),
        ("range", "control"),
        ("range", "safety"),
        ("range", "satisfaction"),
        ("integer", "dignity"),
        ("integer", "birth_year"),
        ("date", "assessment_date"),
        ("period", "assessment_date"),
    ],
    "dsf": [
        *PERSON_FAULTS,
        ("required", "function_code"),
        ("required", "due_date"),
        ("code", "function_code"),
        ("code", "programme_of_care"),
        ("integer", "birth_year"),
        ("date", "start_date"),
        ("date", "due_date"),
        ("date", "completed_date"),
        ("period", "due_date"),
        ("due_before_start", "due_date"),
    ],
    "raw": [
        ("required", "hcn"),
        ("required", "worker_id"),
        ("required", "score"),
        ("hcn_check_digit", "hcn"),
        ("hcn_format", "hcn"),
        ("code", "sex"),
        ("code", "lgd_code"),
        ("range", "score"),
        ("integer", "score"),
        ("date", "response_date"),
        ("period", "response_date"),
    ],
    "workforce": [
        ("required", "worker_id"),
        ("required", "job_role"),
        ("required", "band"),
        ("required", "wte"),
        ("code", "job_role"),
        ("code", "band"),
        ("code", "contract_type"),
        ("code", "age_band"),
        ("range", "wte"),
        ("range", "contracted_days"),
        ("range", "sickness_days"),
        ("integer", "contracted_days"),
        ("integer", "recruitment_days"),
        ("date", "snapshot_date"),
        ("sickness_over_contracted", "sickness_days"),
    ],
}
GROUPED = {"star": "reading_id", "raw": "response_id"}  # at most one fault per reading/response
OUT_OF_RANGE = {
    ("star", "score"): ("0", "11"),
    ("raw", "score"): ("5", "-1"),
    ("ascot", "control"): ("4",),
    ("ascot", "safety"): ("4", "-1"),
    ("ascot", "satisfaction"): ("0", "8"),
    ("workforce", "wte"): ("1.5", "0"),
    ("workforce", "contracted_days"): ("93",),
    ("workforce", "sickness_days"): ("-1.0",),
}
NOT_INTEGER = ("abc", "x", "3a")
NOT_A_CODE = {  # tried in order: the first that is not in the column's list
    "sex": ("Q", "Z", "FM"),
    "lgd_code": ("N09000012", "N09000099", "N0900"),
    "programme_of_care": ("POC9", "POC1", "POCX"),
    "function_code": ("CP_CONFERENCE", "REVIEW", "OTHER"),
    "job_role": ("social_work_assistant", "nurse", "other"),
    "band": ("9", "4", "8E"),
    "contract_type": ("bank", "casual", "other"),
    "age_band": ("70_plus", "20_29", "unknown"),
}


def _code_list(column: str) -> tuple[str, ...]:
    if column == "lgd_code":
        return reference.column("lgds", "lgd_code")
    if column == "programme_of_care":
        return reference.column("programmes_of_care", "poc_code")
    if column == "function_code":
        return reference.column("dsf_functions", "function_code")
    return reference.codes(column)


def _fault_value(collection: str, rule: str, column: str, row: dict, period: Period, rng):
    """The corrupted value for one cell, or ``...`` where this fault does not fit the row."""
    value = row[column]
    if rule == "required":
        return None if value is not None else ...
    if rule == "hcn_check_digit":
        return value[:9] + str((int(value[9]) + int(rng.integers(1, 10))) % 10)
    if rule == "hcn_format":
        if rng.random() < 0.5:
            return value[:9]
        at = int(rng.integers(1, 9))
        return value[:at] + "ABCDEFGHJK"[int(value[at])] + value[at + 1 :]
    if rule == "code":
        valid = set(_code_list(column))
        return next(c for c in NOT_A_CODE[column] if c not in valid)
    if rule == "range":
        choices = OUT_OF_RANGE[(collection, column)]
        return choices[int(rng.integers(len(choices)))]
    if rule == "integer":
        if value is None or (column == "contracted_days" and float(row["sickness_days"]) != 0):
            return ...  # an unreadable contracted_days would also void the sickness check
        return NOT_INTEGER[int(rng.integers(len(NOT_INTEGER)))]
    if rule == "sickness_over_contracted":
        contracted = int(row["contracted_days"])
        return str(contracted + float(rng.choice([0.5, 1.0, 2.5, 5.0])))
    if value is None:  # the rules below change a date that is there
        return ...
    date = dt.date.fromisoformat(value)
    if rule == "date":
        month = int(rng.integers(1, 13)) if rng.random() < 0.3 else date.month
        return f"{date.year}-{month:02d}-{calendar.monthrange(date.year, month)[1] + 1:02d}"
    if rule == "period":
        if collection == "dsf":  # later: keeps due_date >= start_date
            return (period.last_day + dt.timedelta(days=int(rng.integers(1, 40)))).isoformat()
        return (period.first_day - dt.timedelta(days=int(rng.integers(1, 40)))).isoformat()
    if rule == "due_before_start":  # due moved before the start, still inside the period
        start = dt.date.fromisoformat(row["start_date"])
        room = min(10, (start - period.first_day).days)
        if room < 1:
            return ...
        return (start - dt.timedelta(days=int(rng.integers(1, room + 1)))).isoformat()
    raise ValueError(f"unknown fault rule {rule!r}")


def _plant(collection: str, frame: pl.DataFrame, name: str, period: Period, rng, share: float):
    """Corrupt ~``share`` of the rows of one file, one fault each; returns (frame, faults)."""
    menu = FAULTS.get(collection)
    if not menu or share <= 0 or frame.is_empty():
        return frame, []
    n = len(frame)
    wanted = int(np.floor(n * share + rng.random()))
    group = GROUPED.get(collection)
    if group:  # one row in each of `wanted` distinct readings / questionnaires
        keys = frame[group].to_numpy()
        first = np.nonzero(np.r_[True, keys[1:] != keys[:-1]])[0]
        sizes = np.diff(np.r_[first, n])
        chosen = np.sort(rng.choice(len(first), min(wanted, len(first)), replace=False))
        rows = first[chosen] + (rng.random(len(chosen)) * sizes[chosen]).astype(np.int64)
    else:
        rows = np.sort(rng.choice(n, min(wanted, n), replace=False))
    rules = sorted({rule for rule, _ in menu})
    changes: dict[str, tuple[list[int], list[str | None]]] = {}
    faults = []
    for i in rows.tolist():
        row = frame.row(i, named=True)
        for rule in rng.permutation(rules).tolist():
            columns = [c for r, c in menu if r == rule]
            column = columns[int(rng.integers(len(columns)))]
            value = _fault_value(collection, rule, column, row, period, rng)
            if value is not ... and value != row[column]:
                changes.setdefault(column, ([], []))
                changes[column][0].append(i)
                changes[column][1].append(value)
                faults.append(PlantedFault(name, i + 2, column, rule, value))
                break
    columns = {c: frame[c].scatter(idx, vals) for c, (idx, vals) in sorted(changes.items())}
    return frame.with_columns(**columns), faults


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


class _Writer:
    """Writes each collection's files; formats rotate over all files in sorted order."""

    def __init__(self, ctx: _Ctx, out_dir: Path, *, bad_rows: float, formats: tuple[str, ...]):
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
                name = f"{collection}/{collection}_{org}_{period}.{FORMATS[fmt]}"
                part = parts.get((org, str(period)), empty).select(columns)
                rng = self.ctx.rng("faults", name)
                part, planted = _plant(collection, part, name, period, rng, self.bad_rows)
                path = self.out_dir / name
                path.parent.mkdir(parents=True, exist_ok=True)
                _write(part, path, fmt, created=self.ctx.periods[-1].last_day)
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


def _write(frame: pl.DataFrame, path: Path, fmt: str, *, created: dt.date) -> None:
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
