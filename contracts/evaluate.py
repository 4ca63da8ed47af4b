"""Every rule of a contract over a batch in one polars pass: pandera's failures, found fast.

pandera's ``validate`` collects each check on its own (about 130 passes over a batch). Here
the contract is still read from the DataFrameModel (columns, ``nullable``, checks and their
statistics), but every rule's expression goes into one ``select`` so polars reads the batch
once. The work rules have in common is done once before it: each column a rule reads as a
type is parsed once (a date for the ``date``, ``period`` and ``birth_year_range`` rules, and
for typing the rows), since polars does not find these shared expressions itself.
``tests/contracts/test_evaluation.py`` proves the result equals ``model.validate``'s failure
cases.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import cache, reduce

import pandera.polars as pa
import polars as pl

from contracts.checks import FAILS, FILE_INDEX, Rows, failing, parsed
from contracts.parse import PARSERS

REQUIRED = "required"  # what pandera calls ``not_nullable``
RULE_FAILURES = {FILE_INDEX: pl.Int32, "row": pl.Int64, "column": pl.String, "rule": pl.String}


@dataclass(frozen=True)
class Rule:
    column: str
    name: str  # the rule a failure reports
    statistics: tuple[tuple[str, object], ...] = ()

    def fails(self, frame: pl.LazyFrame, typed=parsed) -> pl.Expr:
        """True where a row of ``frame`` breaks this rule (``typed``: see ``checks.Rows``)."""
        if self.name == REQUIRED:
            return pl.col(self.column).is_null()
        rows = Rows(frame, self.column, typed)
        return failing(FAILS[self.name](rows, **dict(self.statistics)))


class _ParsedOnce:
    """Hands rules a column per (type, column) they read, and the expressions that parse
    each once: rules ask for the same ones many times."""

    def __init__(self) -> None:
        self.parses: dict[str, pl.Expr] = {}

    def typed(self, type_name: str, column: str) -> pl.Expr:
        name = f"_{type_name}_{column}"
        self.parses.setdefault(name, parsed(type_name, column).alias(name))
        return pl.col(name)


def rule_failures(model: type[pa.DataFrameModel], batch: pl.DataFrame) -> pl.DataFrame:
    """(file, row, column, rule, value) of every rule a row of ``batch`` breaks, unmasked.

    ``batch`` holds the contract's columns as text plus the hidden period and file columns and
    ``row``; the rows are as pandera reports them, before whole-unit rules.
    """
    return evaluate(model, batch)[0]


def evaluate(
    model: type[pa.DataFrameModel], batch: pl.DataFrame, *, typed: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """``rule_failures``, and with ``typed`` every row of ``batch`` (``row``, then each
    contract column read as its type) from the same pass: the rules parse the same values."""
    rules = _rules(model)
    frame = batch.lazy()
    once = _ParsedOnce()
    flags = [f"_fails_{index}" for index in range(len(rules))]
    rule_flags = [r.fails(frame, once.typed).alias(f) for r, f in zip(rules, flags, strict=True)]
    types = column_types(model) if typed else {}
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


@cache
def column_types(model: type[pa.DataFrameModel]) -> dict[str, str | None]:
    """Each contract column and the type its checks name (None: it stays text)."""
    return {
        name: next((c.name for c in column.checks if c.name in PARSERS), None)
        for name, column in model.to_schema().columns.items()
    }


@cache
def _rules(model: type[pa.DataFrameModel]) -> tuple[Rule, ...]:
    """The contract's rules, column by column, as pandera would run them."""
    schema = model.to_schema()
    _refuse_unsupported(schema)
    rules = []
    for name, column in schema.columns.items():
        if not column.nullable:
            rules.append(Rule(name, REQUIRED))
        for check in column.checks:
            statistics = tuple(check.statistics.items())
            rules.append(Rule(name, _rule_name(check), statistics))
    return tuple(rules)


def _rule_name(check: pa.Check) -> str:
    """As pandera reports it (its error, else its name), without the statistics."""
    reported = check.error if check.error is not None else check.name
    return re.sub(r"\(.*$", "", reported)


def _refuse_unsupported(schema: pa.DataFrameSchema) -> None:
    """pandera features this evaluator does not reproduce: refuse rather than differ."""
    unsupported = [
        f"{schema.name}: {feature}"
        for feature, used in (
            ("dataframe-level checks", bool(schema.checks)),
            ("unique across columns", bool(schema.unique)),
            ("coercion", schema.coerce),
        )
        if used
    ]
    for name, column in schema.columns.items():
        if column.coerce or column.regex or column.default is not None:
            unsupported.append(f"{name}: coercion, regex name or default")
        if column.unique:  # pandera's would span the files of a batch: use duplicate_key
            unsupported.append(f"{name}: unique=True")
        for check in column.checks:
            if check.name not in FAILS:
                unsupported.append(f"{name}: check {check.name} not registered in checks.py")
            elif check.element_wise or check.raise_warning or check.n_failure_cases:
                unsupported.append(f"{name}: {check.name} is element-wise, a warning or capped")
    if unsupported:
        raise NotImplementedError("; ".join(unsupported))
