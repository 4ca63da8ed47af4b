"""Every rule of a contract over a batch in one polars pass: pandera's failures, found fast.

pandera's ``validate`` collects each check on its own (about 130 passes over a batch). Here
the contract is still the DataFrameModel's (columns, ``nullable``, checks and their
statistics, described by ``contracts.contract``), but every rule's expression goes into one
``select`` so polars reads the batch once. The work rules have in common is done once before
it: each column a rule reads as a type is parsed once (a date for the ``date``, ``period``
and ``birth_year_range`` rules, and for typing the rows), since polars does not find these
shared expressions itself.
``tests/contracts/test_evaluation.py`` proves the result equals ``model.validate``'s failure
cases.
"""

from __future__ import annotations

import operator
from functools import reduce

import polars as pl

from contracts.checks import FILE_INDEX, parsed
from contracts.contract import Contract, as_contract

RULE_FAILURES = {FILE_INDEX: pl.Int32, "row": pl.Int64, "column": pl.String, "rule": pl.String}


class _ParsedOnce:
    """Hands rules a column per (type, column) they read, and the expressions that parse
    each once: rules ask for the same ones many times."""

    def __init__(self) -> None:
        self.parses: dict[str, pl.Expr] = {}

    def typed(self, type_name: str, column: str) -> pl.Expr:
        name = f"_{type_name}_{column}"
        self.parses.setdefault(name, parsed(type_name, column).alias(name))
        return pl.col(name)


def rule_failures(model, batch: pl.DataFrame) -> pl.DataFrame:
    """(file, row, column, rule, value) of every rule a row of ``batch`` breaks, unmasked.

    ``batch`` holds the contract's columns as text plus the hidden period and file columns and
    ``row``; the rows are as pandera reports them, before whole-unit rules. ``model``: a
    pandera model or its ``Contract``.
    """
    return evaluate(as_contract(model), batch)[0]


def evaluate(
    contract: Contract, batch: pl.DataFrame, *, typed: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """``rule_failures``, and with ``typed`` every row of ``batch`` (``row``, then each
    contract column read as its type) from the same pass: the rules parse the same values."""
    rules = contract.rules
    frame = batch.lazy()
    once = _ParsedOnce()
    flags = [f"_fails_{index}" for index in range(len(rules))]
    rule_flags = [r.fails(frame, once.typed).alias(f) for r, f in zip(rules, flags, strict=True)]
    types = dict(contract.types) if typed else {}
    names = {f"_typed_{index}": column for index, column in enumerate(types)}
    typing = [
        (pl.col(column) if kind is None else once.typed(kind, column)).alias(name)
        for name, (column, kind) in zip(names, types.items(), strict=True)
    ]
    if typed:
        names = {"_typed_row": "row", **names}
        typing.insert(0, pl.col("row").alias("_typed_row"))
    evaluated = frame.with_columns(*once.parses.values()).select(*rule_flags, *typing).collect()
    # Eager column picks, Series masks and hstack cost nothing next to expressions over the
    # whole batch (even an eager ``select`` of columns copies them).
    failing = reduce(
        operator.or_, (evaluated[f] for f in flags), pl.repeat(False, batch.height, eager=True)
    )
    failing_rows = batch.filter(failing).hstack(evaluated[flags].filter(failing)).lazy()
    per_rule = [
        failing_rows.filter(pl.col(flag)).select(
            FILE_INDEX,
            "row",
            pl.lit(r.column).alias("column"),
            pl.lit(r.name).alias("rule"),
            pl.col(r.column).cast(pl.String).alias("value"),
        )
        for r, flag in zip(rules, flags, strict=True)
    ]
    failures = (
        pl.concat(per_rule).collect().unique(maintain_order=True)
        if per_rule
        else pl.DataFrame(schema={**RULE_FAILURES, "value": pl.String})
    )
    return failures, evaluated[list(names)].rename(names) if typed else None
