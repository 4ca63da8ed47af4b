"""A contract as the validator runs it: its columns, rules, types and whole-unit rule, read
from its pandera model (``describe``).

Reading a model means importing pandera, and pandas with it: about a second of every
``sws validate``, as long as a small file's check. So the descriptions are kept in a cache
(``__pycache__`` beside this file, as Python keeps its bytecode) named by a fingerprint of
everything they are read from: this package's sources, the seeds (code lists) and pandera's
version. A changed contract or seed is a new fingerprint, read from the models again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import os
import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import polars as pl

from contracts.checks import FAILS, Rows, failing, parsed
from contracts.parse import PARSERS
from contracts.reference import SEEDS_DIR

REQUIRED = "required"  # what pandera calls ``not_nullable``
UNIT_RULES = ("incomplete_reading", "incomplete_response")
HERE = Path(__file__).resolve().parent
CACHE_DIR = HERE / "__pycache__"


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


@dataclass(frozen=True)
class Contract:
    name: str
    columns: tuple[str, ...]
    rules: tuple[Rule, ...]  # column by column, as pandera would run them
    types: tuple[tuple[str, str | None], ...]  # each column and the type it reads as (or text)
    unit: tuple[str, str] | None  # the column grouping rows into a whole unit, and its rule
    doc: str  # the model's own docstring (returns.md's wording), cleaned
    model: str  # where the model is: "module:ClassName"


def contract(collection: str) -> Contract:
    """The contract of ``collection``'s returns."""
    return _contracts()[collection]


def as_contract(model_or_contract) -> Contract:
    """A contract as is, or a pandera model described."""
    if isinstance(model_or_contract, Contract):
        return model_or_contract
    return describe(model_or_contract)


@functools.cache
def describe(model) -> Contract:
    """What the validator runs of a pandera ``DataFrameModel``."""
    schema = model.to_schema()
    _refuse_unsupported(schema)
    rules, types, unit = [], [], None
    for name, column in schema.columns.items():
        if not column.nullable:
            rules.append(Rule(name, REQUIRED))
        for check in column.checks:
            rules.append(Rule(name, _rule_name(check), tuple(check.statistics.items())))
            if check.name in UNIT_RULES and unit is None:
                unit = (name, check.name)
        type_name = next((c.name for c in column.checks if c.name in PARSERS), None)
        types.append((name, type_name))
    return Contract(
        schema.name,
        tuple(schema.columns),
        tuple(rules),
        tuple(types),
        unit,
        # its own, not pandera's (getdoc would inherit one)
        inspect.cleandoc(model.__doc__ or ""),
        f"{model.__module__}:{model.__name__}",
    )


def _rule_name(check) -> str:
    """As pandera reports it (its error, else its name), without the statistics."""
    reported = check.error if check.error is not None else check.name
    return re.sub(r"\(.*$", "", reported)


def _refuse_unsupported(schema) -> None:
    """pandera features the one-pass evaluator does not reproduce: refuse rather than differ."""
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


# -- the cache -----------------------------------------------------------------------------


@functools.cache
def _contracts() -> dict[str, Contract]:
    cache = CACHE_DIR / f"contracts-{fingerprint()}.json"
    try:
        return {name: from_json(data) for name, data in json.loads(cache.read_text()).items()}
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: read the models
    from contracts import CONTRACTS

    described = {name: describe(model) for name, model in CONTRACTS.items()}
    _write(cache, json.dumps({name: to_json(c) for name, c in described.items()}))
    return described


def fingerprint() -> str:
    """Of everything a description is read from: this package, the seeds, pandera."""
    digest = hashlib.sha256(version("pandera").encode())
    for path in [*sorted(HERE.glob("*.py")), *sorted(SEEDS_DIR.glob("*.csv"))]:
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _write(path: Path, text: str) -> None:
    """Whole or not at all (a reader never sees half a file); no cache if it cannot be
    written (a read-only install): the models are read each time instead."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        temporary.write_text(text)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def to_json(described: Contract) -> dict:
    return {
        "name": described.name,
        "columns": list(described.columns),
        "rules": [[r.column, r.name, [list(s) for s in r.statistics]] for r in described.rules],
        "types": [list(t) for t in described.types],
        "unit": described.unit,
        "doc": described.doc,
        "model": described.model,
    }


def from_json(data: dict) -> Contract:
    return Contract(
        data["name"],
        tuple(data["columns"]),
        tuple(
            Rule(column, name, tuple((key, _tuples(value)) for key, value in statistics))
            for column, name, statistics in data["rules"]
        ),
        tuple((column, type_name) for column, type_name in data["types"]),
        None if data["unit"] is None else tuple(data["unit"]),
        data["doc"],
        data["model"],
    )


def _tuples(value):
    """JSON's lists back to the tuples a model gave (code lists, keys)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
