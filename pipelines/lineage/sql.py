"""Column-level dependencies of one SQL query, by sqlglot scope traversal.

``query_dependencies(sql, schema)`` qualifies the query (sqlglot ``optimizer.qualify``: stars
expanded from ``schema``, every column tagged with the source it reads) and walks its scopes
(``optimizer.scope.build_scope``) bottom-up. For every select scope it computes:

- ``values[c]``: the input columns the *value* of output column ``c`` is computed from: every
  column referenced anywhere in ``c``'s projection expression, including the conditions of a
  ``CASE``, an aggregate's ``FILTER``, a window's ``PARTITION BY`` / ``ORDER BY`` and scalar
  subqueries inside it (a subquery contributes all its columns and its own row dependencies);
- ``rows``: the input columns that decide *which rows* the scope yields: columns in ``WHERE``,
  every ``JOIN ... ON`` / ``USING``, ``GROUP BY``, ``HAVING``, ``QUALIFY``, ``DISTINCT ON``
  (and every projection where the select is ``DISTINCT``), ``ORDER BY`` only where a
  ``LIMIT`` / ``OFFSET`` makes it select rows, plus the ``rows`` of every scope it selects
  from (a row filtered out upstream is missing here too);
- ``columns[c] = values[c] | rows``: everything the output column depends on.

A column read from a CTE or derived table resolves to that scope's ``columns[name]``
(recursively); a column read from a table resolves to the atom ``(table, column)``; reading a
table at all adds ``(table, ROWS)`` to ``rows`` so that ``count(*)`` over an upstream model
inherits that model's row selection. A set operation (``UNION [ALL]``, ...) maps its outputs
to each branch's outputs by position and unions their dependencies (a ``UNION`` without
``ALL`` also makes every column a row dependency: it de-duplicates on them).

This is deliberately conservative: a join's ``ON`` columns count for every column of the
joined result, including the rows kept by a ``LEFT JOIN`` (the join can repeat them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

ROWS = "*rows*"
"""Pseudo-column of a relation: its row selection (``(relation, ROWS)``)."""

Atom = tuple[str, str]
"""An input column: (relation, column); column may be ``ROWS``."""


class LineageError(Exception):
    """The SQL uses a construct the lineage walk does not resolve soundly."""


@dataclass(frozen=True)
class QueryDependencies:
    """What each output column of a query depends on (see the module docstring)."""

    outputs: tuple[str, ...]
    values: dict[str, frozenset[Atom]]
    rows: frozenset[Atom]

    @property
    def columns(self) -> dict[str, frozenset[Atom]]:
        return {name: self.values[name] | self.rows for name in self.outputs}


@dataclass
class _ScopeDeps:
    outputs: list[str]
    values: dict[str, set[Atom]]
    rows: set[Atom]

    def column(self, name: str) -> set[Atom]:
        if name not in self.values:
            raise LineageError(f"no output column {name!r} in {self.outputs}")
        return self.values[name] | self.rows

    def everything(self) -> set[Atom]:
        return set().union(self.rows, *self.values.values())


def parse_qualified(sql: str, schema: dict, dialect: str = "duckdb") -> exp.Expression:
    """Parse ``sql`` and qualify it: every column carries its source, stars are expanded."""
    try:
        tree = sqlglot.parse_one(sql, dialect=dialect)
        return qualify(tree, schema=schema, dialect=dialect, validate_qualify_columns=True)
    except sqlglot.errors.SqlglotError as error:
        raise LineageError(f"sqlglot could not qualify the query: {error}") from error


def table_name(table: exp.Table) -> str:
    """``catalog.db.name`` of a table reference, lower case, unquoted."""
    return ".".join(part.name.lower() for part in table.parts)


class ScopeWalker:
    """Memoised dependencies of every scope of one qualified query."""

    def __init__(self, resolve_table: Callable[[exp.Table], str] = table_name):
        self._resolve_table = resolve_table
        self._memo: dict[int, _ScopeDeps] = {}

    def deps(self, scope: Scope) -> _ScopeDeps:
        key = id(scope)
        if key not in self._memo:
            if isinstance(scope.expression, exp.SetOperation):
                self._memo[key] = self._set_operation(scope)
            elif isinstance(scope.expression, exp.Select):
                self._memo[key] = self._select(scope)
            else:
                raise LineageError(f"unsupported scope: {scope.expression.sql()[:80]}")
        return self._memo[key]

    # -- set operations ------------------------------------------------------------------------

    def _set_operation(self, scope: Scope) -> _ScopeDeps:
        branches = [self.deps(branch) for branch in scope.set_operation_scopes]
        outputs = branches[0].outputs
        for branch in branches[1:]:
            if len(branch.outputs) != len(outputs):
                raise LineageError("set operation branches differ in their number of columns")
        values = {name: set() for name in outputs}
        rows: set[Atom] = set()
        for branch in branches:
            rows |= branch.rows
            for name, branch_name in zip(outputs, branch.outputs, strict=True):
                values[name] |= branch.values[branch_name]
        if scope.expression.args.get("distinct"):
            rows |= set().union(*values.values())
        return _ScopeDeps(list(outputs), values, rows)

    # -- selects -------------------------------------------------------------------------------

    def _select(self, scope: Scope) -> _ScopeDeps:
        select: exp.Select = scope.expression
        projections = list(select.expressions)
        outputs = [p.alias_or_name for p in projections]
        if any(isinstance(p, exp.Star) or isinstance(p.unalias(), exp.Star) for p in projections):
            raise LineageError(f"unexpanded star (missing schema?) in {select.sql()[:80]}")
        values: dict[str, set[Atom]] = {name: set() for name in outputs}
        rows: set[Atom] = set()
        orders_rows = bool(select.args.get("limit") or select.args.get("offset"))

        def target(node: exp.Expression) -> set[Atom] | None:
            """The set a node's dependencies go to, by the clause of ``select`` holding it."""
            child = node
            while child.parent is not None and child.parent is not select:
                child = child.parent
            if child.parent is None:
                raise LineageError(f"{node.sql()[:60]} is outside its select")
            key = child.arg_key
            if key == "expressions":
                position = next(i for i, p in enumerate(projections) if p is child)
                return values[outputs[position]]
            if key in ("where", "joins", "group", "having", "qualify", "distinct", "windows"):
                return rows
            if key in ("order", "limit", "offset"):
                return rows if orders_rows else None
            if key in ("from", "with"):
                return rows
            raise LineageError(f"column in unsupported clause {key!r}: {node.sql()[:60]}")

        for _, source in scope.selected_sources.values():
            if isinstance(source, Scope):
                rows |= self.deps(source).rows
            else:
                rows.add((self._resolve_table(source), ROWS))

        for column in scope.columns:
            into = target(column)
            if into is not None:
                into |= self._column(scope, column)

        for subquery in scope.subquery_scopes:
            into = target(subquery.expression)
            if into is not None:
                into |= self.deps(subquery).everything()

        for join in select.args.get("joins") or []:
            for identifier in join.args.get("using") or []:
                rows |= self._using(scope, identifier.name)

        if select.args.get("distinct"):
            rows |= set().union(*values.values())
        return _ScopeDeps(outputs, values, rows)

    def _column(self, scope: Scope, column: exp.Column) -> set[Atom]:
        """The atoms a column reference reads (through CTEs and derived tables)."""
        if not column.table:
            raise LineageError(f"unqualified column {column.sql()!r}")
        current: Scope | None = scope
        while current is not None:
            source = current.sources.get(column.table)
            if source is not None:
                if isinstance(source, Scope):
                    return self.deps(source).column(column.name)
                if isinstance(source, exp.Table):
                    return {(self._resolve_table(source), column.name)}
                raise LineageError(f"unsupported source for {column.sql()!r}")
            current = current.parent  # a correlated reference to an outer scope
        raise LineageError(f"cannot resolve column {column.sql()!r}")

    def _using(self, scope: Scope, name: str) -> set[Atom]:
        found: set[Atom] = set()
        for _, source in scope.selected_sources.values():
            if isinstance(source, Scope):
                if name in self.deps(source).values:
                    found |= self.deps(source).column(name)
            else:
                found.add((self._resolve_table(source), name))
        return found


def query_dependencies(
    sql: str,
    schema: dict,
    *,
    dialect: str = "duckdb",
    resolve_table: Callable[[exp.Table], str] = table_name,
) -> QueryDependencies:
    """Column-level dependencies of one query (see the module docstring).

    ``schema``: sqlglot's nested mapping of every table the query reads to its columns (e.g.
    ``{"t": {"a": "int", "b": "int"}}``), needed to expand ``select *``. Atoms name tables
    by ``resolve_table`` (default: ``catalog.db.name`` as written, lower case).
    """
    tree = parse_qualified(sql, schema, dialect)
    return dependencies_of(tree, resolve_table=resolve_table)


def dependencies_of(
    tree: exp.Expression, *, resolve_table: Callable[[exp.Table], str] = table_name
) -> QueryDependencies:
    root = build_scope(tree)
    if root is None:
        raise LineageError("not a query")
    deps = ScopeWalker(resolve_table).deps(root)
    return QueryDependencies(
        outputs=tuple(deps.outputs),
        values={name: frozenset(v) for name, v in deps.values.items()},
        rows=frozenset(deps.rows),
    )
