"""The disclosure audit of an extract (measures.md, disclosure rule 7).

Independent of the code that chose the suppressions: it imports nothing of it (a test checks),
and works from what a reader of the pack has, the PUBLISHED rows, plus the relation seed
(``seeds/measure_relations.csv``, the spec's statement of which figures add up; read and
turned into equations here, on its own). The true rows serve only to know which figures rules
1-2 protect.

For every hidden figure it asks which values the published figures allow:

- the unknowns are the hidden figures of one period (relations never cross periods); the
  equations are the seed's relations instantiated over the published rows (REGION = Σ Trusts,
  total = Σ functions, REGION = Σ categories of a breakdown dimension, a count published twice
  is one count), the bounds: every count >= 0, and ``smaller <= larger`` where the seed says so
  (an on-time count is at most its due count);
- a protected count (rule 1: a count measure's value, a share's numerator or denominator, a
  mean's denominator, from ``count_min`` to ``count_max``) gets its feasible interval by linear
  programming (SciPy's HiGHS, ``scipy.optimize.linprog``): two problems, min and max;
- a protected value (rule 2: a share or mean whose denominator is from 1 to
  ``min_denominator - 1``) gets the interval of numerator / denominator, by the Charnes-Cooper
  transformation (one linear problem per end);
- only components (hidden figures linked by equations) that hold a protected figure are solved.

Pinned means exactly determined: the interval holds a single value; for a count, a single whole
number (counts are whole, so an interval narrower than 1 gives the count away). tau-Argus's
protection intervals (an interval at least some width) would ask more than rules 1-6 promise:
rule 6 asks that no protected figure "can be worked out". A protected figure that is published
outright, or whose value a published baseline or change gives away, is pinned too.

Interface (as agreed with the gate): ``audit_disclosure(published, true_rows, catalog,
thresholds, *, breakdowns_published=None, breakdowns_true=None)`` -> ``AuditResult``, with
these additions: the keyword ``relations`` (default: the seed) takes a frame in the seed's
shape (tests); ``AuditResult.relations`` counts the relation instances over the published rows
(for ``summary``); ``AuditError`` (a ValueError) is raised where the published figures break a
relation of the seed (the seed or the pack is wrong: nothing can be concluded, the pack must not
go out). ``hidden`` counts the figures of suppressed rows (a count's value; a share's or mean's
numerator, denominator and value); ``protected`` those of them rules 1-2 protect. A pinned
figure's ``low``/``high`` is in the units published (a share's value in percent); for a protected
figure published outright, both are the published figure.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from scipy.linalg import null_space
from scipy.optimize import linprog

from contracts import reference

if TYPE_CHECKING:
    from pipelines.extract.disclosure import Thresholds

REGION = "REGION"
KEY = ("measure_code", "org", "period", "dimension", "category")
UNIT_FIGURES = {
    "count": ("value",),
    "sum": ("value",),
    "percent": ("numerator", "denominator"),
    "mean": ("numerator", "denominator"),
    "median": ("denominator",),
}
NOT_COUNTS = {("sum", "value"), ("mean", "numerator")}  # sums: no lower bound
RATIOS = ("percent", "mean")
SINGLE_VALUE = 1e-7  # an interval of a value narrower than this is one value
METHOD = (
    "Every hidden figure of the pack was audited independently of the code that chose the "
    "suppressions: its feasible interval given the published figures and the relations of "
    "seeds/measure_relations.csv (sums over Trusts, DSF functions and breakdown categories, "
    "counts published twice, numerators at most their denominators, counts not negative), by "
    "linear programming (SciPy HiGHS; a share's or mean's value by the Charnes-Cooper "
    "transformation); a protected figure is pinned where its interval holds a single value."
)


class AuditError(ValueError):
    """The published figures break a relation of the seed."""


@dataclass(frozen=True)
class PinnedFigure:
    measure_code: str
    org: str
    period: str
    figure: str  # "value" | "numerator" | "denominator"
    dimension: str | None = None
    category: str | None = None
    low: float | None = None
    high: float | None = None  # its feasible interval (a protected figure: never printed)

    def __str__(self) -> str:
        cell = f" {self.dimension}={self.category}" if self.dimension else ""
        return f"{self.measure_code} {self.org}{cell} {self.period} {self.figure}"


@dataclass(frozen=True)
class AuditResult:
    passed: bool
    hidden: int  # hidden figures examined
    protected: int  # of which rules 1-2 protect
    pinned: tuple[PinnedFigure, ...]
    method: str  # one sentence: what was audited and how
    relations: int = 0  # relation instances over the published rows

    def summary(self) -> str:
        how = f"by the {self.relations} published relations (linear programming, HiGHS)"
        if self.passed:
            return (
                f"disclosure audit passed: {self.hidden} hidden figures ({self.protected} "
                f"protected), none pinned {how}"
            )
        names = "; ".join(str(p) for p in self.pinned)
        return (
            f"disclosure audit failed: {len(self.pinned)} protected figure(s) pinned {how}: {names}"
        )


def audit_disclosure(
    published: pl.DataFrame,
    true_rows: pl.DataFrame,
    catalog: pl.DataFrame,
    thresholds: Thresholds,
    *,
    breakdowns_published: pl.DataFrame | None = None,
    breakdowns_true: pl.DataFrame | None = None,
    relations: pl.DataFrame | None = None,
) -> AuditResult:
    """Audit the published rows (every period up to the pack's) against the true rows."""
    rows = _rows(published, true_rows, breakdowns_published, breakdowns_true)
    units = _units(catalog)
    seed = reference.seed("measure_relations") if relations is None else relations
    members = defaultdict(list)
    for member in seed.to_dicts():
        members[member["relation"]].append({k: (v or "") for k, v in member.items()})
    hidden = protected = instances = 0
    pinned: list[PinnedFigure] = []
    by_period = defaultdict(list)
    baselines = {}  # (measure, org, dimension, category, baseline period) -> published value
    for row in rows:
        by_period[row["period"]].append(row)
        if row["baseline_value"] is not None and row["baseline_period"]:
            place = tuple(row[k] for k in KEY if k != "period")
            baselines[(*place, row["baseline_period"])] = row["baseline_value"]
    for period in sorted(by_period):
        book = _Period(by_period[period], units, list(members.values()), baselines)
        instances += book.instances
        for row in by_period[period]:
            guarded = _protected(row, units, thresholds)
            if row["suppressed"]:
                hidden += len(_figures(units[row["measure_code"]]))
                protected += len(guarded)
            pinned += [p for figure in guarded if (p := book.pinned(row, figure)) is not None]
    return AuditResult(not pinned, hidden, protected, tuple(pinned), METHOD, instances)


def _rows(published, true_rows, breakdowns_published, breakdowns_true) -> list[dict]:
    """Published rows with their true figures (``true_numerator`` ...); "" for no cell."""
    frames = [(published, true_rows)]
    if breakdowns_published is not None:
        if breakdowns_true is None:
            raise ValueError("audit: breakdowns_published needs breakdowns_true")
        frames.append((breakdowns_published, breakdowns_true))
    out = []
    for shown, true in frames:
        shown, true = (_keyed(f) for f in (shown, true))
        figures = ("numerator", "denominator", "value")
        truth = true.select(*KEY, *(pl.col(f).alias(f"true_{f}") for f in figures))
        both = shown.join(truth.with_columns(_true=pl.lit(True)), on=list(KEY), how="left")
        missing = both.filter(pl.col("_true").is_null())
        if missing.height:
            first = missing.row(0, named=True)
            raise ValueError(
                f"audit: no true row for {first['measure_code']} {first['org']} {first['period']}"
            )
        out += both.to_dicts()
    return out


def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    extra = [pl.lit("").alias(c) for c in ("dimension", "category") if c not in frame.columns]
    frame = frame.with_columns(extra)
    return frame.with_columns(pl.col(c).cast(pl.String).fill_null("") for c in KEY)


def _units(catalog: pl.DataFrame) -> dict[str, tuple[str, bool]]:
    """measure_code -> (unit, under disclosure control)."""
    return {
        row["measure_code"]: (row["unit"], str(row["disclosure_control"]).lower() == "true")
        for row in catalog.select("measure_code", "unit", "disclosure_control").to_dicts()
    }


def _figures(unit_and_control: tuple[str, bool]) -> tuple[str, ...]:
    unit = unit_and_control[0]
    return (*UNIT_FIGURES[unit], "value") if unit in RATIOS else UNIT_FIGURES[unit]


def _protected(row: dict, units: dict, t: Thresholds) -> list[str]:
    """The figures of a row that rules 1-2 protect, from its true values."""
    unit, controlled = units[row["measure_code"]]
    if not controlled:
        return []
    num, den, value = row["true_numerator"], row["true_denominator"], row["true_value"]

    def small(v) -> bool:
        return v is not None and t.count_min <= v <= t.count_max

    if unit in ("count", "sum"):
        return ["value"] if small(value) or small(num) else []
    out = ["numerator"] if unit == "percent" and small(num) else []
    if small(den):
        out.append("denominator")
    if den is not None and 1 <= den < t.min_denominator:
        out.append("value")
    return out


class _Period:
    """The published figures of one period as unknowns, constants and constraints."""

    def __init__(
        self, rows: list[dict], units: dict, relations: list[list[dict]], baselines: dict
    ) -> None:
        self.rows = {tuple(r[k] for k in KEY if k != "period"): r for r in rows}
        self.units = units
        self.baselines = baselines
        self.constraints: list[tuple[dict, float, str]] = []  # terms over unknowns, rhs, eq|le
        self.unknown: dict[tuple, int] = {}
        self.whole: list[bool] = []
        self.truth: list[float | None] = []  # a witness: the true figures, if they fit
        self.solved: dict[tuple, tuple] = {}  # per component: see _unscaled
        self.instances = 0  # relations over the published rows, shown or not
        for members in relations:
            for terms in self._instances(members):
                self.instances += 1
                self._constrain(terms, "le" if members[0]["kind"] == "at_most" else "eq")
        self.links = defaultdict(list)
        for n, (terms, _, _) in enumerate(self.constraints):
            for var in terms:
                self.links[var].append(n)

    # -- equations from the seed over the published rows ------------------------------

    def _cell(self, measure: str, place: tuple, figure: str) -> tuple | None:
        row = self.rows.get((measure, *place))
        unit = self.units.get(measure, ("", False))[0]
        if row is None or figure not in UNIT_FIGURES.get(unit, ()):
            return None
        return (measure, *place, figure)

    def _instances(self, members: list[dict]) -> list[list[tuple[tuple, float]]]:
        """Each instance of one relation as signed cells: Σ sign x cell = 0 (or <= 0)."""
        kind = members[0]["kind"]
        if kind in ("over_orgs", "over_categories"):
            m = members[0]
            total = self._cell(m["measure_code"], (REGION, "", ""), m["figure"])
            if total is None:
                return []
            groups = defaultdict(list)
            for measure, org, dim, cat in self.rows:
                if measure != m["measure_code"]:
                    continue
                if (kind == "over_orgs" and org != REGION and not dim) or (
                    kind == "over_categories" and dim and m["dimension"] in ("", dim)
                ):
                    groups[dim].append(self._cell(measure, (org, dim, cat), m["figure"]))
            return [[(total, 1.0), *((c, -1.0) for c in g if c)] for g in groups.values() if g]
        places = sorted({key[1:] for key in self.rows})
        out = []
        for place in places:
            cells = [(m, self._cell(m["measure_code"], place, m["figure"])) for m in members]
            present = [(m, c) for m, c in cells if c is not None]
            if kind == "same":
                out += [[(present[0][1], 1.0), (c, -1.0)] for _, c in present[1:]]
            elif len(present) == len(cells):
                lead = {"sum": "total", "at_most": "smaller"}[kind]
                out.append([(c, 1.0 if m["role"] == lead else -1.0) for m, c in present])
        return out

    def _var(self, cell: tuple) -> int:
        if cell not in self.unknown:
            self.unknown[cell] = len(self.whole)
            unit = self.units[cell[0]][0]
            self.whole.append((unit, cell[4]) not in NOT_COUNTS)
            self.truth.append(self.rows[cell[:4]][f"true_{cell[4]}"])
        return self.unknown[cell]

    def _constrain(self, signed: list[tuple[tuple, float]], sense: str) -> None:
        terms: dict[int, float] = defaultdict(float)
        constant = 0.0
        for cell, sign in signed:
            row = self.rows[cell[:4]]
            if row["suppressed"]:
                terms[self._var(cell)] += sign
            elif row[cell[4]] is None:
                return  # an empty published figure: no equation
            else:
                constant += sign * row[cell[4]]
        terms = {v: a for v, a in terms.items() if a}
        if not terms:
            if (sense == "eq" and abs(constant) > 1e-6 * max(1.0, abs(constant))) or (
                sense == "le" and constant > 1e-6
            ):
                raise AuditError(f"the published figures break a relation at {signed[0][0]}")
            return
        self.constraints.append((terms, -constant, sense))

    # -- intervals ------------------------------------------------------------------------

    def pinned(self, row: dict, figure: str) -> PinnedFigure | None:
        place = tuple(row[k] for k in KEY if k != "period")
        where = {
            "measure_code": row["measure_code"],
            "org": row["org"],
            "period": row["period"],
            "figure": figure,
            "dimension": row["dimension"] or None,
            "category": row["category"] or None,
        }
        if not row["suppressed"]:
            shown = row[figure]
            return PinnedFigure(**where, low=shown, high=shown)
        revealed = self._revealed_value(row)
        if revealed is not None:
            return PinnedFigure(**where, low=revealed, high=revealed)
        unit = self.units[row["measure_code"]][0]
        if figure == "value" and unit in RATIOS:
            low, high = self._ratio((*place, "numerator"), (*place, "denominator"))
            narrow = _one_value(low, high, whole=False)
            scale = 100 if unit == "percent" else 1  # the value as published
            low, high = low * scale, high * scale
        else:
            if figure == "value" and unit not in ("count", "sum"):
                return None  # a median: no relation gives it
            low, high = self._bounds((*place, figure))
            narrow = _one_value(low, high, whole=True)
        return PinnedFigure(**where, low=low, high=high) if narrow else None

    def _revealed_value(self, row: dict) -> float | None:
        """A hidden row's value as a published baseline or change gives it away (rule 5)."""
        if row["change_from_baseline"] is not None and row["baseline_value"] is not None:
            return row["baseline_value"] + row["change_from_baseline"]
        place = tuple(row[k] for k in KEY if k != "period")
        return self.baselines.get((*place, row["period"]))

    def _component(self, variables: list[int]) -> tuple[list[int], list[int]]:
        todo, seen, used = list(variables), set(variables), set()
        while todo:
            var = todo.pop()
            for n in self.links[var]:
                if n not in used:
                    used.add(n)
                    for other in self.constraints[n][0]:
                        if other not in seen:
                            seen.add(other)
                            todo.append(other)
        return sorted(seen), sorted(used)

    def _bounds(self, cell: tuple) -> tuple[float, float]:
        if cell not in self.unknown or not self.links[self.unknown[cell]]:
            return 0.0, np.inf  # tied to nothing published
        variables, used = self._component([self.unknown[cell]])
        k = variables.index(self.unknown[cell])
        c = np.zeros(len(variables))
        c[k] = 1.0
        lp, witness, basis = self._unscaled(variables, used)
        points = _segment(c, lp, witness, basis)
        if points:
            low, high = min(x[k] for x in points), max(x[k] for x in points)
            if not _one_value(low, high, whole=True):
                return low, high
        return _solve(c, lp, points[0][k] if points else None, whole=True)

    def _ratio(self, numerator: tuple, denominator: tuple) -> tuple[float, float]:
        """The interval of numerator / denominator (Charnes-Cooper: y = x t, t = 1 / den)."""
        cells = [self._var(numerator), self._var(denominator)]
        variables, used = self._component(cells)
        n, d = (variables.index(cell) for cell in cells)
        unscaled, witness, basis = self._unscaled(variables, used)
        if witness is not None and witness[d] > 0:
            c = np.zeros(len(variables))
            c[n], c[d] = 1.0, -witness[n] / witness[d]  # the ratio's slope at the witness
            points = _segment(c, unscaled, witness, basis)
            ratios = [x[n] / x[d] for x in points if x[d] > SINGLE_VALUE]
            if ratios and not _one_value(min(ratios), max(ratios), whole=False):
                return min(ratios), max(ratios)
        lp = self._lp(variables, used, scale=True)  # columns: y..., t
        den = np.zeros(len(variables) + 1)
        den[d] = 1.0
        lp["A_eq"] = np.vstack([lp["A_eq"], den]) if lp["A_eq"] is not None else den[None, :]
        lp["b_eq"] = np.append(lp["b_eq"], 1.0) if lp["b_eq"] is not None else np.array([1.0])
        c = np.zeros(len(variables) + 1)
        c[n] = 1.0
        at = witness[n] / witness[d] if witness is not None and witness[d] > 0 else None
        return _solve(c, lp, at, whole=False)

    def _unscaled(self, variables: list[int], used: list[int]) -> tuple:
        """A component's linear problem, witness and the directions that keep the constraints
        the witness meets exactly (computed once per component)."""
        key = tuple(variables)
        if key not in self.solved:
            lp = self._lp(variables, used, scale=False)
            witness = self._witness(variables, used)
            self.solved[key] = (lp, witness, _free_directions(lp, witness))
        return self.solved[key]

    def _witness(self, variables: list[int], used: list[int]) -> np.ndarray | None:
        """The true figures of a component where they meet its constraints: a point the
        published figures allow, so that one linear problem may settle a wide interval."""
        x = {v: self.truth[v] for v in variables}
        if any(value is None or (self.whole[v] and value < 0) for v, value in x.items()):
            return None
        for n in used:
            terms, rhs, sense = self.constraints[n]
            lhs = sum(a * x[v] for v, a in terms.items())
            slack = 1e-6 * max(1.0, abs(rhs))
            if (sense == "eq" and abs(lhs - rhs) > slack) or (sense == "le" and lhs > rhs + slack):
                return None
        return np.array([x[v] for v in variables], dtype=float)

    def _lp(self, variables: list[int], used: list[int], *, scale: bool) -> dict:
        """The constraints of a component; with ``scale``, homogenised (one more column, t)."""
        column = {v: j for j, v in enumerate(variables)}
        width = len(variables) + (1 if scale else 0)
        rows = {"eq": ([], []), "le": ([], [])}
        for n in used:
            terms, rhs, sense = self.constraints[n]
            a = np.zeros(width)
            for var, coefficient in terms.items():
                a[column[var]] = coefficient
            if scale:
                a[-1], rhs = -rhs, 0.0
            rows[sense][0].append(a)
            rows[sense][1].append(rhs)
        bounds = [(0, None) if self.whole[v] else (None, None) for v in variables]
        if scale:
            bounds.append((0, None))
        lp = {"bounds": bounds}
        for sense, name in (("eq", "eq"), ("le", "ub")):
            a, b = rows[sense]
            lp[f"A_{name}"] = np.array(a) if a else None
            lp[f"b_{name}"] = np.array(b) if b else None
        return lp


def _one_value(low: float, high: float, *, whole: bool) -> bool:
    """Whether an interval pins a figure: one value, or for a count one whole number."""
    if math.isinf(low) or math.isinf(high):
        return False
    if whole:
        return math.floor(high + SINGLE_VALUE) - math.ceil(low - SINGLE_VALUE) < 1
    return high - low < SINGLE_VALUE


def _bounds_of(lp: dict, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    floor = np.array([-np.inf if low is None else low for low, _ in lp["bounds"]])
    a_le = lp["A_ub"] if lp["A_ub"] is not None else np.zeros((0, n))
    b_le = lp["b_ub"] if lp["b_ub"] is not None else np.zeros(0)
    a_eq = lp["A_eq"] if lp["A_eq"] is not None else np.zeros((0, n))
    return floor, a_le, b_le, a_eq


def _free_directions(lp: dict, witness: np.ndarray | None) -> np.ndarray | None:
    """The directions from the witness that keep every equation and every bound it sits on."""
    if witness is None:
        return None
    x = witness
    floor, a_le, b_le, a_eq = _bounds_of(lp, len(x))
    keep = np.vstack([a_eq, a_le[np.isclose(a_le @ x, b_le)], np.eye(len(x))[np.isclose(x, floor)]])
    return null_space(keep) if len(keep) else np.eye(len(x))


def _segment(
    c: np.ndarray, lp: dict, witness: np.ndarray | None, basis: np.ndarray | None
) -> list[np.ndarray]:
    """Points the published figures allow, quickly: the witness, and the ends of the segment
    through it along ``c`` projected onto the free directions. Each end is checked against
    every constraint; an end that fails is dropped."""
    if witness is None or basis is None:
        return []
    x = witness
    floor, a_le, b_le, a_eq = _bounds_of(lp, len(x))
    d = basis @ (basis.T @ c)
    room = np.concatenate([x - floor, b_le - a_le @ x])
    pace = np.concatenate([-d, a_le @ d])
    moving = (np.abs(pace) > 1e-12) & (room > 1e-9)
    steps = room[moving] / np.abs(pace[moving])
    ahead = min(steps[pace[moving] > 0].min(initial=np.inf), 1e6)
    behind = min(steps[pace[moving] < 0].min(initial=np.inf), 1e6)
    points = [x]
    for end in (x + ahead * d, x - behind * d):
        fits = np.all(end >= floor - 1e-7) and np.all(a_le @ end <= b_le + 1e-7)
        if fits and (not len(a_eq) or np.allclose(a_eq @ end, lp["b_eq"], atol=1e-7)):
            points.append(end)
    return points


def _solve(c: np.ndarray, lp: dict, at: float | None, *, whole: bool) -> tuple[float, float]:
    """The smallest and largest value of ``c @ x`` (HiGHS). Where ``at`` (the value at a
    feasible point) and the largest are two values already, the smallest is not sought:
    ``(at, largest)``."""
    ends = []
    for sense in (-1.0, 1.0):
        result = linprog(sense * c, method="highs", **lp)
        if result.status == 3:
            ends.append(-sense * np.inf)
        elif result.status == 0:
            ends.append(sense * result.fun)
        else:
            raise AuditError(f"the published figures admit no solution: {result.message}")
        if at is not None and not _one_value(at, ends[0], whole=whole):
            return at, ends[0]
    return ends[1], ends[0]
