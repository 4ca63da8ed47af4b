"""Unique valid Health and Care Numbers, handed out in a fixed pseudo-random order."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from contracts.hcn import check_digits
from pipelines.sample.draws import stream


class HcnPool:
    """Nine-digit prefixes walk the NI range (320 000 000 - 399 999 999) by an affine bijection,
    so no prefix repeats; prefixes with no valid check digit are skipped."""

    FIRST, SPAN = 320_000_000, 80_000_000

    def __init__(self, seed: int):
        rng = stream(seed, "hcn")
        mult = int(rng.integers(self.SPAN // 3, self.SPAN))
        while math.gcd(mult, self.SPAN) != 1:
            mult += 1
        self._mult, self._offset, self._next = mult, int(rng.integers(self.SPAN)), 0

    def take(self, n: int) -> pl.Series:
        """The next ``n`` numbers of the walk, as text."""
        found: list[np.ndarray] = []
        missing = n
        while missing > 0:
            batch = int(missing * 1.12) + 16  # ~9% of prefixes have no valid digit
            index = np.arange(self._next, self._next + batch, dtype=np.int64)
            prefixes = self.FIRST + (index * self._mult + self._offset) % self.SPAN
            digits = check_digits(prefixes)
            valid = np.nonzero(digits >= 0)[0][:missing]
            found.append(prefixes[valid] * 10 + digits[valid])
            missing -= len(valid)
            # resume after the last number used, so the walk never depends on batch sizes
            self._next += int(valid[-1]) + 1 if missing == 0 else batch
        numbers = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        return pl.Series("hcn", numbers, dtype=pl.Int64).cast(pl.String)
