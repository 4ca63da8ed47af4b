"""Secondary cell suppression over linked tables (measures.md, disclosure rule 6), generic.

The method is sdcTable's ``SIMPLEHEURISTIC`` (``protectTable``, sdcTable >= 0.32, after
tau-Argus's modular/hypercube family of heuristics), adapted to figures that are published in
rows and counts that are published twice:

1. constraint pass (sdcTable's ``suppConstraints``): every relation ``total = Σ parts`` in which
   a figure that must stay hidden is the only unknown gets one more hidden figure, the smallest
   non-zero one shown in that relation (ties: the cells' order keys); repeated to a fixpoint, so
   that chains of single-unknown subtractions across both dimensions are closed;
2. attacker problems (sdcTable's ``attack``): for each protected quantity, the smallest and
   largest value the published figures allow, by linear programming (SciPy's HiGHS), with every
   figure >= 0 (counts) and ``a <= b`` where a relation says so; a quantity whose interval holds
   one value (one whole number, for a count) is pinned. The shown figures in its relations are
   then tried, the smallest first, alone and then in pairs (each with its single-unknown
   closure), and the first that unpins it is hidden; where none does, the smallest one off its
   bounds is hidden and the search goes on. A feasible segment through the true values settles
   most quantities before any linear program is solved.

Why this method: the pack is a handful of small linked tables per period (Trusts x functions x
{due, on time}), far too small to need tau-Argus's optimal or hypercube methods, and the simple
heuristic's "smallest figure first" is rule 3's own choice, so the two rules agree; the attacker
problems make the result exact where single-unknown chains are not enough (a bridge between two
suppression cycles, or an on-time count forced to its due count by a 100 % total). Hiding more
only widens intervals, so each protected quantity is settled once, in order.

The model: a *cell* is one published figure, and each cell belongs to a *row* (a mart row: its
value, numerator and denominator are hidden together). Cells linked by ``same`` are one count
published twice: the count is unknown only where every copy is hidden, and a count that must stay
hidden (a protected figure, or a figure hidden to protect one) has every copy hidden. A target is
a linear quantity that must not be pinned: a cell (a small count) or ``numerator - r x denominator``
(a share or mean of a thin denominator, r its true value).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

WIDTH_TOLERANCE = 1e-6  # an interval narrower than this is a single value
PAIRED = 12  # pairs are tried among this many smallest candidates


@dataclass(frozen=True)
class Target:
    """A quantity that must not be pinned: Σ coefficient x cell; ``anchor`` must stay hidden."""

    terms: tuple[tuple[int, float], ...]
    anchor: int
    whole: bool  # a whole number (a count): pinned if its interval holds one whole number


@dataclass
class LinkedCells:
    """The published figures of one period and how they are linked."""

    values: Sequence[float]  # true value of each cell
    rows: Sequence[int]  # the row that publishes each cell
    counts: Sequence[bool]  # a count (>= 0); else a sum with no bound
    order: Sequence[tuple]  # tie-break key of each cell (smaller first)
    sums: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)  # total, parts
    same: list[tuple[int, ...]] = field(default_factory=list)
    at_most: list[tuple[int, int]] = field(default_factory=list)  # smaller, larger


class _Counts:
    """Cells merged into counts (one per ``same`` class), with the relations between counts."""

    def __init__(self, cells: LinkedCells) -> None:
        parent = list(range(len(cells.values)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for group in cells.same:
            for other in group[1:]:
                parent[root(other)] = root(group[0])
        roots = sorted({root(i) for i in range(len(parent))})
        index = {r: n for n, r in enumerate(roots)}
        self.of_cell = [index[root(i)] for i in range(len(parent))]
        self.rows: list[set[int]] = [set() for _ in roots]
        for cell, count in enumerate(self.of_cell):
            self.rows[count].add(cells.rows[cell])
        self.value = [cells.values[r] for r in roots]
        self.bounded = [cells.counts[r] for r in roots]
        self.order: list[tuple] = [cells.order[r] for r in roots]
        for cell, count in enumerate(self.of_cell):
            self.order[count] = min(self.order[count], cells.order[cell])
        self.equations: list[dict[int, float]] = []
        for total, parts in cells.sums:
            terms: dict[int, float] = {}
            for cell, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
                count = self.of_cell[cell]
                terms[count] = terms.get(count, 0.0) + sign
            terms = {c: a for c, a in terms.items() if a}
            if terms:
                self.equations.append(terms)
        self.at_most = [(self.of_cell[a], self.of_cell[b]) for a, b in cells.at_most]
        self.links: list[list[int]] = [[] for _ in roots]  # equations and bounds of each count
        for n, terms in enumerate(self.equations):
            for count in terms:
                self.links[count].append(n)
        for n, pair in enumerate(self.at_most, start=len(self.equations)):
            for count in pair:
                self.links[count].append(n)

    def members(self, link: int) -> Iterable[int]:
        if link < len(self.equations):
            return self.equations[link]
        return self.at_most[link - len(self.equations)]


class _Pattern:
    """A suppression pattern being grown: hidden rows, counts that must stay hidden."""

    def __init__(self, counts: _Counts, hidden: set[int], hideable: set[int]) -> None:
        self.c = counts
        self.hidden = set(hidden)
        self.hideable = hideable
        self.needed: set[int] = set()

    def known(self, count: int) -> bool:
        return not self.c.rows[count] <= self.hidden

    def can_hide(self, count: int) -> bool:
        return self.c.rows[count] <= self.hideable

    def need(self, count: int) -> None:
        self.needed.add(count)
        if self.can_hide(count):
            self.hidden |= self.c.rows[count]

    def shown_in(self, links: Iterable[int]) -> list[int]:
        """Shown counts of these relations that could be hidden: non-zero ones first, then the
        smallest first (ties: order keys)."""
        found = {
            count
            for link in links
            for count in self.c.members(link)
            if self.known(count) and self.can_hide(count)
        }
        return sorted(found, key=lambda n: (self.c.value[n] == 0, self.c.value[n], self.c.order[n]))

    def tight(self, count: int) -> bool:
        """Whether a count sits on a bound: zero, or equal to a count it is at most (or that is
        at most it)."""
        first = len(self.c.equations)
        pairs = [self.c.at_most[n - first] for n in self.c.links[count] if n >= first]
        value = self.c.value
        return value[count] == 0 or any(value[a] == value[b] for a, b in pairs)

    def constraint_pass(self) -> None:
        changed = True
        while changed:
            changed = False
            for link, terms in enumerate(self.c.equations):
                unknown = [count for count in terms if not self.known(count)]
                if len(unknown) == 1 and unknown[0] in self.needed:
                    candidates = [n for n in self.shown_in([link]) if self.c.value[n] != 0]
                    if candidates:
                        self.need(candidates[0])
                        changed = True

    def component(self, counts: Iterable[int]) -> tuple[list[int], list[int]]:
        """The unknown counts linked to ``counts`` through relations, and those relations."""
        todo = [n for n in counts if not self.known(n)]
        seen, links = set(todo), set()
        while todo:
            count = todo.pop()
            for link in self.c.links[count]:
                if link in links:
                    continue
                links.add(link)
                for other in self.c.members(link):
                    if other not in seen and not self.known(other):
                        seen.add(other)
                        todo.append(other)
        return sorted(seen), sorted(links)

    def pinned(self, target: dict[int, float], whole: bool) -> bool:
        unknown, links = self.component(target)
        hidden = set(unknown)
        objective = {n: a for n, a in target.items() if n in hidden}
        if not objective:
            return True  # made of shown figures only
        if not links:
            return False  # free: nothing ties it
        system = _System(self, unknown, links, objective, whole)
        if not one_value(*system.segment(), whole):
            return False
        return one_value(*system.lp_interval(), whole)


def one_value(low: float, high: float, whole: bool) -> bool:
    """Whether an interval pins a quantity: one value, or for a count one whole number."""
    if math.isinf(low) or math.isinf(high):
        return False
    if whole:
        return math.floor(high + WIDTH_TOLERANCE) - math.ceil(low - WIDTH_TOLERANCE) < 1
    return high - low < WIDTH_TOLERANCE


class _System:
    """The attacker's problem for one quantity: equations, bounds and the objective over the
    unknown counts of its component, with the true values (a feasible point)."""

    def __init__(
        self,
        p: _Pattern,
        unknown: list[int],
        links: list[int],
        objective: dict[int, float],
        whole: bool,
    ) -> None:
        self.whole = whole
        column = {n: j for j, n in enumerate(unknown)}
        equations = [p.c.equations[n] for n in links if n < len(p.c.equations)]
        bounds = [p.c.at_most[n - len(p.c.equations)] for n in links if n >= len(p.c.equations)]
        rows = [(terms, "eq") for terms in equations]
        rows += [({small: 1.0, large: -1.0}, "le") for small, large in bounds]
        matrices: dict[str, tuple[list, list]] = {"eq": ([], []), "le": ([], [])}
        for terms, sense in rows:
            row, constant = np.zeros(len(unknown)), 0.0
            for count, a in terms.items():
                if count in column:
                    row[column[count]] += a
                else:
                    constant += a * p.c.value[count]
            matrices[sense][0].append(row)
            matrices[sense][1].append(-constant)
        self.a_eq = np.array(matrices["eq"][0]).reshape(-1, len(unknown))
        self.b_eq = np.array(matrices["eq"][1])
        self.a_le = np.array(matrices["le"][0]).reshape(-1, len(unknown))
        self.b_le = np.array(matrices["le"][1])
        self.floor = np.array([0.0 if p.c.bounded[n] else -np.inf for n in unknown])
        self.c = np.zeros(len(unknown))
        for count, a in objective.items():
            self.c[column[count]] = a
        self.x = np.array([p.c.value[n] for n in unknown], dtype=float)

    def segment(self) -> tuple[float, float]:
        """Part of the quantity's range, quick: the feasible segment through the true values,
        along the quantity's steepest direction that keeps every equation and every bound the
        true values sit on (a count at 0, an on-time count equal to its due count)."""
        from scipy.linalg import null_space  # imported here: `sws load` needs no scipy

        at = float(self.c @ self.x)
        at_floor = np.isclose(self.x, self.floor)
        tight = np.isclose(self.a_le @ self.x, self.b_le)
        keep = np.vstack([self.a_eq, self.a_le[tight], np.eye(len(self.x))[at_floor]])
        basis = null_space(keep) if len(keep) else np.eye(len(self.x))
        d = basis @ (basis.T @ self.c)
        rate = float(self.c @ d)
        if rate <= WIDTH_TOLERANCE:
            return at, at
        room = np.concatenate(
            [(self.x - self.floor)[~at_floor], (self.b_le - self.a_le @ self.x)[~tight]]
        )
        pace = np.concatenate([-d[~at_floor], (self.a_le @ d)[~tight]])
        moving = np.abs(pace) > 1e-12
        steps = room[moving] / np.abs(pace[moving])
        ahead = steps[pace[moving] > 0].min(initial=np.inf)
        behind = steps[pace[moving] < 0].min(initial=np.inf)
        return at - behind * rate, at + ahead * rate

    def lp_interval(self) -> tuple[float, float]:
        """The quantity's range by linear programming (HiGHS): its largest value first, then,
        unless that and the true value are already two values, its smallest."""
        problem = {
            "A_eq": self.a_eq if len(self.a_eq) else None,
            "b_eq": self.b_eq if len(self.a_eq) else None,
            "A_ub": self.a_le if len(self.a_le) else None,
            "b_ub": self.b_le if len(self.a_le) else None,
            "bounds": [(None if np.isinf(f) else f, None) for f in self.floor],
            "method": "highs",
        }
        from scipy.optimize import linprog

        at = float(self.c @ self.x)
        ends = []
        for sense in (-1.0, 1.0):
            result = linprog(sense * self.c, **problem)
            if result.status == 3:  # unbounded
                return -np.inf, np.inf
            if result.status != 0:
                raise ValueError(f"linked figures break their relations: {result.message}")
            ends.append(sense * result.fun)
            if not one_value(at, ends[0], self.whole):
                return at, ends[0]
        return ends[1], ends[0]


def protect(
    cells: LinkedCells, targets: Sequence[Target], hidden: set[int], hideable: set[int]
) -> set[int]:
    """The rows to hide (``hidden`` and more) so that no target is pinned by the shown figures.

    ``hidden``: rows already hidden (rules 1-2, earlier suppression); ``hideable``: rows that
    may be hidden (rows of controlled measures). A target whose anchor cannot be hidden, or that
    nothing shown around it can protect, is left as it is (the audit reports it).
    """
    counts = _Counts(cells)
    p = _Pattern(counts, hidden, hideable)
    quantities = []
    for target in targets:
        terms: dict[int, float] = {}
        for cell, a in target.terms:
            count = counts.of_cell[cell]
            terms[count] = terms.get(count, 0.0) + a
        quantities.append(({n: a for n, a in terms.items() if a}, target.whole))
        p.need(counts.of_cell[target.anchor])
    p.constraint_pass()
    for (terms, whole), target in zip(quantities, targets, strict=True):
        if p.known(counts.of_cell[target.anchor]):
            continue  # published elsewhere, where it cannot be hidden: nothing to do here
        while p.pinned(terms, whole):
            _, links = p.component(terms)
            around = [link for n in terms for link in counts.links[n]]
            candidates = p.shown_in(links or around) or p.shown_in(around)
            if not candidates:
                break
            for chosen in _choices(candidates):
                if _unpins(p, chosen, terms, whole):
                    break
            else:  # none is enough: widen the pattern (a figure off its bounds), look again
                slack = [n for n in candidates if not p.tight(n)]
                chosen = (slack or candidates)[:1]
            for count in chosen:
                p.need(count)
            p.constraint_pass()
    return p.hidden


def _choices(candidates: list[int]) -> Iterable[tuple[int, ...]]:
    """What to try hiding, in order: each candidate alone (smallest first), then pairs of the
    smallest few (two relations may each need a figure of their own)."""
    yield from ((n,) for n in candidates)
    yield from itertools.combinations(candidates[:PAIRED], 2)


def _unpins(p: _Pattern, chosen: tuple[int, ...], terms: dict[int, float], whole: bool) -> bool:
    """Whether hiding ``chosen`` (and closing the single-unknown relations that opens) unpins."""
    saved = set(p.hidden), set(p.needed)
    for count in chosen:
        p.need(count)
    p.constraint_pass()
    try:
        return not p.pinned(terms, whole)
    finally:
        p.hidden, p.needed = saved
