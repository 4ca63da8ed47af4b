"""Every rule of ``contracts.checks`` registered as a pandera check (polars backend), under the
rule's name: the models name them, and pandera's own ``validate`` runs them (the tests prove
the one-pass evaluator finds the same failures)."""

from __future__ import annotations

import functools

import polars as pl
from pandera.api.extensions import register_check_method
from pandera.api.polars.types import PolarsData

from contracts.checks import FAILS, STATISTICS, Fails, Rows, failing


def _register(name: str, fails: Fails) -> None:
    @functools.wraps(fails)  # pandera reads the statistics from the signature
    def check(data: PolarsData, **kwargs) -> pl.LazyFrame:
        rows = Rows(data.lazyframe, data.key)
        return data.lazyframe.select((~failing(fails(rows, **kwargs))).alias(data.key))

    register_check_method(check, statistics=list(STATISTICS[name]))


for _name, _fails in FAILS.items():
    _register(_name, _fails)
