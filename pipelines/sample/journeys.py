"""Journeys of repeated contacts: Star readings, ASCOT reviews, RAW questionnaires."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from pipelines.sample.context import DAYS_PER_QUARTER, calendar_year
from pipelines.sample.draws import within_group

if TYPE_CHECKING:
    from pipelines.sample.context import Context

Journey = tuple[float, int, dict[int, float]]  # extra contacts (Poisson mean), most, gap weights


def journeys(ctx: Context, rng, per_quarter: float, journey: Journey):
    """Journeys start every quarter (Poisson, per Trust), including a burn-in before the first
    generated period so that the first period is already in steady state. Each has
    ``1 + Poisson(extra)`` contacts (at most ``most``), ``gaps`` quarters apart. Returns the
    journeys (Trust, start quarter) and the contacts inside the generated periods
    (journey, 1-based number, quarter).
    """
    extra, most, gaps = journey
    burn = (most - 1) * max(gaps)
    quarters = np.arange(-burn, ctx.n_periods)
    counts = ctx.per_trust_quarter(rng, per_quarter / _mean_contacts(extra, most), len(quarters))
    trust = np.repeat(np.arange(len(ctx.trusts)), counts.sum(axis=1))
    start = np.repeat(np.tile(quarters, len(ctx.trusts)), counts.ravel())
    n = np.minimum(1 + rng.poisson(extra, len(trust)), most)
    owner = np.repeat(np.arange(len(trust)), n)
    number = within_group(n)
    gap_values = np.array(sorted(gaps))
    gap = rng.choice(gap_values, size=len(owner), p=[gaps[g] for g in gap_values])
    gap[number == 0] = 0
    total = np.cumsum(gap)
    quarter = start[owner] + total - np.repeat(total[np.cumsum(n) - n], n)
    keep = (quarter >= 0) & (quarter < ctx.n_periods)
    contacts = {"owner": owner[keep], "number": number[keep] + 1, "q": quarter[keep]}
    return trust, start, contacts


def _mean_contacts(extra: float, most: int) -> float:
    """E[min(1 + Poisson(extra), most)]."""
    pmf, at_least = math.exp(-extra), 1.0
    total = 1.0
    for j in range(1, most):
        at_least -= pmf  # P(X >= j)
        total += at_least
        pmf *= extra / j
    return total


def start_year(ctx: Context, start_quarter: np.ndarray) -> np.ndarray:
    """Calendar year at the start of a (possibly burn-in) quarter, for ages."""
    return calendar_year((ctx.lo + start_quarter * DAYS_PER_QUARTER).astype(np.int64))
