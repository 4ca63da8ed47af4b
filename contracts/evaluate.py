"""Every rule of a contract over a batch in one polars pass: pandera's failures, found fast.

pandera's ``validate`` collects each check on its own (about 130 passes over a batch). Here
the contract is still read from the DataFrameModel (columns, ``nullable``, checks and their
statistics), but every rule's expression goes into one ``select`` so polars reads the batch
once and shares the work rules have in common (a date parsed once for the ``date``,
``period`` and ``birth_year_range`` rules, and for typing the rows).
``tests/contracts/test_evaluation.py`` proves the result equals ``model.validate``'s failure
cases.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, reduce

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from contracts.checks import FAILS, FILE_INDEX, failing

REQUIRED = "required"  # what pandera calls ``not_nullable``
RULE_FAILURES = {FILE_INDEX: pl.Int32, "row": pl.Int64, "column": pl.String, "rule": pl.String}


@dataclass(frozen=True)
class Rule:
    column: str
    name: str  # the rule a failure reports
    statistics: tuple[tuple[str, object], ...] = ()

    def fails(self, frame: pl.LazyFrame) -> pl.Expr:
        """True where a row of ``frame`` breaks this rule."""
        if self.name == REQUIRED:
            return pl.col(self.column).is_null()
        return failing(FAILS[self.name](PolarsData(frame, self.column), **dict(self.statistics)))


def rule_failures(model: type[pa.DataFrameModel], batch: pl.DataFrame) -> pl.DataFrame:
    """(file, row, column, rule, value) of every rule a row of ``batch`` breaks, unmasked.

    ``batch`` holds the contract's columns as text plus the hidden period and file columns and
    ``row``; the rows are as pandera reports them, before whole-unit rules.
    """
    return evaluate(model, batch)[0]


def evaluate(
    model: type[pa.DataFrameModel], batch: pl.DataFrame, also: Sequence[pl.Expr] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``rule_failures``, and the ``also`` expressions over every row of ``batch``, in the same
    pass: they share the work the rules do (the typing of values, say)."""
    rules = _rules(model)
    frame = batch.lazy()
    flags = [f"_fails_{index}" for index in range(len(rules))]
    names = {f"_also_{index}": e.meta.output_name() for index, e in enumerate(also)}
    evaluated = frame.select(
        *(r.fails(frame).alias(f) for r, f in zip(rules, flags, strict=True)),
        *(e.alias(name) for e, name in zip(also, names, strict=True)),
    ).collect()
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
    return failures, evaluated[list(names)].rename(names)


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
