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

import functools
import operator
from functools import reduce

import polars as pl

from contracts.checks import FILE_INDEX, parsed
from contracts.contract import Contract, as_contract

RULE_FAILURES = {FILE_INDEX: pl.Int32, "row": pl.Int64, "column": pl.String, "rule": pl.String}


class _ParsedOnce:
    """Hands rules a column per (type, column) they read, and the expressions that parse
    each once: rules ask for the same ones many times."""

    def __init__(self, schema: dict[str, pl.DataType]) -> None:
        self.schema = schema
        self.parses: dict[str, pl.Expr] = {}

    def typed(self, type_name: str, column: str) -> pl.Expr:
        name = f"_{type_name}_{column}"
        reading = _reading(type_name, column, self.schema[column])
        self.parses.setdefault(name, reading.alias(name))
        return pl.col(name)


def _reading(type_name: str, column: str, dtype: pl.DataType) -> pl.Expr:
    """``column`` as ``type_name``: parsed from its text, or, if the file's reader read it as
    whole numbers already (``validate``'s typed read), those numbers."""
    if dtype == pl.String:
        return parsed(type_name, column)
    if dtype.is_integer() and type_name in ("integer", "decimal"):
        return pl.col(column).cast(pl.Int64 if type_name == "integer" else pl.Float64)
    raise TypeError(f"{column}: no {type_name} reading of a {dtype} column")


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
    # the rules across rows group by file only if there are several (files are in order)
    files = batch[FILE_INDEX]
    several = batch.height > 0 and files[0] != files[-1]
    schema = tuple((n, t) for n, t in batch.schema.items() if several or n != FILE_INDEX)
    parses, rule_flags, typing = _pass(contract, schema, typed)
    flags = [flag.meta.output_name() for flag in rule_flags]
    evaluated = batch.lazy().with_columns(*parses).select(*rule_flags, *typing).collect()
    rows = None
    if typed:
        names = [e.meta.output_name() for e in typing]
        columns = ["row", *dict(contract.types)]
        rows = evaluated[names].rename(dict(zip(names, columns, strict=True)))
    # Eager column picks, Series masks and hstack cost nothing next to expressions over the
    # whole batch (even an eager ``select`` of columns copies them). Most batches fail no
    # rule: a rule none of its rows fails costs no query.
    broken = [(r, f) for r, f in zip(rules, flags, strict=True) if evaluated[f].any()]
    if not broken:
        return pl.DataFrame(schema={**RULE_FAILURES, "value": pl.String}), rows
    failing = reduce(operator.or_, (evaluated[f] for _, f in broken))
    failing_rows = batch.filter(failing).hstack(evaluated[[f for _, f in broken]].filter(failing))
    per_rule = [
        failing_rows.lazy()
        .filter(pl.col(flag))
        .select(
            FILE_INDEX,
            "row",
            pl.lit(r.column).alias("column"),
            pl.lit(r.name).alias("rule"),
            pl.col(r.column).cast(pl.String).alias("value"),
        )
        for r, flag in broken
    ]
    return pl.concat(per_rule).collect().unique(maintain_order=True), rows


@functools.cache
def _pass(
    contract: Contract, schema: tuple[tuple[str, pl.DataType], ...], typed: bool
) -> tuple[list[pl.Expr], list[pl.Expr], list[pl.Expr]]:
    """The expressions of one pass over a batch of ``schema``: the parses done once, a flag
    per rule, and with ``typed`` the row and each column typed. Built once per contract and
    schema (building them costs about what running them does on a small batch)."""
    frame = pl.LazyFrame(schema=dict(schema))
    once = _ParsedOnce(dict(schema))
    rules = contract.rules
    rule_flags = [r.fails(frame, once.typed).alias(f"_fails_{i}") for i, r in enumerate(rules)]
    typing = []
    if typed:
        typing.append(pl.col("row").alias("_typed_row"))
        for index, (column, kind) in enumerate(contract.types):
            typed_column = pl.col(column) if kind is None else once.typed(kind, column)
            typing.append(typed_column.alias(f"_typed_{index}"))
    return list(once.parses.values()), rule_flags, typing
