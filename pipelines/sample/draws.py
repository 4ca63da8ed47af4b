"""Random streams and vectorised draws shared by the collections."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def stream(seed: int, *parts: str) -> np.random.Generator:
    """An independent random stream per purpose, the same in every process (no ``hash()``)."""
    return np.random.default_rng([seed, *(zlib.crc32(part.encode()) for part in parts)])


def probabilities(codes: Sequence[str], table: dict[str, float]) -> np.ndarray:
    """Probabilities over ``codes`` (seed order) from a weight table; unlisted codes get 0."""
    weights = np.array([table.get(code, 0.0) for code in codes], dtype=float)
    if weights.sum() <= 0:
        raise ValueError(f"no weights for any of {list(codes)} in {sorted(table)}")
    return weights / weights.sum()


def pick(rng: np.random.Generator, codes: Sequence[str], table: dict[str, float], n: int):
    """``n`` indices into ``codes`` drawn with the weights of ``table``."""
    return rng.choice(len(codes), size=n, p=probabilities(codes, table))


def draw_ages(rng: np.random.Generator, low_mode_high: tuple[float, float, float], n: int):
    low, mode, high = low_mode_high
    return rng.triangular(low, mode, high, n)


def within_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., n - 1 for consecutive groups of the given sizes."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
