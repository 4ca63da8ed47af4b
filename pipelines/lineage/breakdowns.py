"""Lineage of the breakdowns (measures.md, "Breakdowns"): which source columns reach the cells
of a measure broken down by a dimension.

A breakdown ``<measure_code>/<dimension>`` is its measure "restricted to the category": it reads
every column its measure reads (the measure's union branch in ``int_outcomeN_measures``,
``graph.py``) plus the columns that place a record in a category of the dimension (the grouping
key is a row-selection dependency: it decides which cell a record counts in). Those are found
in the model that builds the breakdown rows (the one upstream of the breakdowns mart whose
``UNION ALL`` branches each project a literal ``measure_code``), by following three unions of
literal-discriminated branches, each traced alone (as ``graph.py`` traces measure branches):

1. the measure's branch (``'O1_ASCOT_PEOPLE' as measure_code``) selects its records with an
   equality on a discriminator (``where basis = 'ascot_scored'``);
2. the records' union has one branch per value of that discriminator (``'ascot_scored' as
   basis``), projecting the fields that place a record (``lgd_code``, ``sex``, ``age`` ...);
3. the dimensions' union has one branch per dimension (``'lgd' as dimension``), reading some of
   those fields in its ``category`` and its row clauses (``qualifying.lgd_code``; for the age
   band, ``qualifying.age`` in a join).

The placing columns of (measure, dimension) are then the dependencies of the fields of (3) in
the branch of (2), resolved to sources. A code built as ``<measure column> || '<suffix>'`` (the
rates per 10,000: ``O1_ASCOT_PEOPLE_PER_10K``) is the breakdown of the measure it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from .sql import ROWS, Atom, LineageError

MEASURE_CODE = "measure_code"
DIMENSION = "dimension"
CATEGORY = "category"
ROW_CLAUSES = ("where", "joins", "group", "having", "qualify")


@dataclass(frozen=True)
class BreakdownLineage:
    """One measure by one dimension: the source columns its cells read."""

    key: str  # "<measure_code>/<dimension>"
    code: str
    dimension: str
    measure: str  # the measure whose count or figure it breaks down (itself, or a rate's count)
    mart: str  # unique id of the breakdowns mart
    placing: frozenset[Atom]  # the columns that place a record in a category
    inputs: frozenset[Atom]  # the measure's inputs and the placing columns


def breakdown_key(code: str, dimension: str) -> str:
    return f"{code}/{dimension}"


def _branches(scope: Scope) -> list[Scope]:
    if isinstance(scope.expression, exp.SetOperation):
        return [b for s in scope.set_operation_scopes for b in _branches(s)]
    return [scope]


def _literal(branch: Scope, name: str) -> str | None:
    for projection in branch.expression.expressions:
        if projection.alias_or_name == name:
            value = projection.unalias()
            if isinstance(value, exp.Literal) and value.is_string:
                return value.this
    return None


@dataclass
class _Union:
    scope: Scope
    branches: list[Scope]
    discriminators: dict[str, dict[str, Scope]]  # column -> literal -> branch


def _unions(root: Scope) -> list[_Union]:
    """Every outermost set operation of a model, with the columns each branch projects as a
    string literal (its discriminators)."""
    out = []
    for scope in root.traverse():
        expression = scope.expression
        if not isinstance(expression, exp.SetOperation):
            continue
        if isinstance(expression.parent, exp.SetOperation):
            continue
        branches = _branches(scope)
        names = [p.alias_or_name for p in branches[0].expression.expressions]
        discriminators = {}
        for name in names:
            values = [_literal(b, name) for b in branches]
            if all(v is not None for v in values) and len(set(values)) == len(values):
                discriminators[name] = dict(zip(values, branches, strict=True))
        out.append(_Union(scope, branches, discriminators))
    return out


def _equalities(select: exp.Select) -> dict[str, str]:
    """``column = 'literal'`` conjuncts of a select's WHERE: column name -> literal."""
    where = select.args.get("where")
    if where is None:
        return {}
    found = {}
    for eq in where.find_all(exp.EQ):
        column, literal = eq.this, eq.expression
        if isinstance(literal, exp.Column):
            column, literal = literal, column
        text = isinstance(literal, exp.Literal) and literal.is_string
        if isinstance(column, exp.Column) and text:
            found[column.name] = literal.this
    return found


def _alias_of(branch: Scope, target: Scope) -> str | None:
    """The alias ``branch`` selects ``target`` under (its FROM and JOINs), if it does."""
    for alias, (_, source) in branch.selected_sources.items():
        if isinstance(source, Scope) and source.expression is target.expression:
            return alias
    return None


def _columns_of(node: exp.Expression, alias: str) -> set[str]:
    return {c.name for c in node.find_all(exp.Column) if c.table == alias}


def _placing_fields(branch: Scope, records: Scope) -> set[str]:
    """The fields of ``records`` a dimension's branch reads to place a record: in its
    ``category`` and its row clauses."""
    alias = _alias_of(branch, records)
    if alias is None:
        return set()
    select = branch.expression
    fields: set[str] = set()
    for projection in select.expressions:
        if projection.alias_or_name == CATEGORY:
            fields |= _columns_of(projection, alias)
    for key in ROW_CLAUSES:
        value = select.args.get(key)
        for node in value if isinstance(value, list) else [value]:
            if node is not None:
                fields |= _columns_of(node, alias)
    return fields


def _derived_codes(root: Scope, codes: _Union) -> dict[str, str]:
    """Codes built as ``<code column> || '<suffix>'`` from the measure codes' union:
    derived code -> the code it is built from."""
    out = {}
    for scope in root.traverse():
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        for projection in select.expressions:
            value = projection.unalias()
            if projection.alias_or_name != MEASURE_CODE or not isinstance(value, exp.DPipe):
                continue
            column, suffix = value.this, value.expression
            if not (isinstance(suffix, exp.Literal) and suffix.is_string):
                continue
            if isinstance(column, exp.Column) and column.table == _alias_of(scope, codes.scope):
                out |= {code + suffix.this: code for code in codes.discriminators[MEASURE_CODE]}
    return out


def build_breakdowns(graph, mart: str, measures: dict, catalog: dict[str, tuple[str, ...]]):
    """``BreakdownLineage`` of every (code, dimension) of the catalog's ``breakdowns`` column
    (``catalog``: code -> its dimensions), keyed ``<code>/<dimension>``, in catalog order; and
    warnings for what could not be traced."""
    model = _breakdown_model(graph, mart)
    root = graph.roots[model]
    unions = _unions(root)
    codes = next(u for u in unions if MEASURE_CODE in u.discriminators)
    dimensions = next((u for u in unions if DIMENSION in u.discriminators), None)
    if dimensions is None:
        raise LineageError(f"{model}: no union with a literal {DIMENSION} per branch")
    derived = _derived_codes(root, codes)
    walker = graph.walkers[model]
    out: dict[str, BreakdownLineage] = {}
    warnings: list[str] = []
    for code, dims in catalog.items():
        base = code if code in codes.discriminators[MEASURE_CODE] else derived.get(code)
        if base is None or base not in measures:
            warnings.append(f"breakdown measure {code}: no branch of {model} builds it")
            continue
        branch = codes.discriminators[MEASURE_CODE][base]
        records = _records(unions, dimensions, _equalities(branch.expression))
        for dimension in dims:
            placing = frozenset()
            by = dimensions.discriminators[DIMENSION].get(dimension)
            if by is None or records is None:
                warnings.append(f"{code} by {dimension}: {model} does not place its records")
            else:
                union, record = records
                fields = _placing_fields(by, union.scope)
                atoms = set().union(*(walker.deps(record).column(f) for f in fields))
                placing = frozenset(a for a in graph.resolve(atoms) if a[1] != ROWS)
            key = breakdown_key(code, dimension)
            out[key] = BreakdownLineage(
                key=key,
                code=code,
                dimension=dimension,
                measure=base,
                mart=mart,
                placing=placing,
                inputs=measures[base].inputs | placing,
            )
    return out, warnings


def _breakdown_model(graph, mart: str) -> str:
    """The model upstream of ``mart`` whose union branches each project a literal code."""
    pending, seen = [mart], set()
    while pending:
        unique_id = pending.pop()
        if unique_id in seen or unique_id not in graph.models:
            continue
        seen.add(unique_id)
        if unique_id != mart and any(
            MEASURE_CODE in u.discriminators and DIMENSION not in u.discriminators
            for u in _unions(graph.roots[unique_id])
        ):
            return unique_id
        pending += graph.models[unique_id]["depends_on"]["nodes"]
    raise LineageError(f"{mart}: no upstream model builds its rows by literal measure codes")


def _records(unions: list[_Union], dimensions: _Union, bindings: dict[str, str]):
    """The union the dimensions' branches place records from, and its branch that a measure's
    bindings (``basis = '...'``) select."""
    sources = {
        id(source.expression)
        for branch in dimensions.branches
        for _, source in branch.selected_sources.values()
        if isinstance(source, Scope)
    }
    for union in unions:
        if id(union.scope.expression) not in sources:
            continue
        for column, value in bindings.items():
            branch = union.discriminators.get(column, {}).get(value)
            if branch is not None:
                return union, branch
    return None
