"""Measure-level lineage through the dbt models: which source columns reach which measure.

See the package docstring for the algorithm; ``sql.py`` for the per-query column walk.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.optimizer.simplify import simplify

from .breakdowns import BreakdownLineage, build_breakdowns
from .sql import ROWS, Atom, LineageError, ScopeWalker, parse_qualified, table_name

MEASURE_MODEL_PREFIX = "int_outcome"
MEASURE_MODEL_SUFFIX = "_measures"
MEASURE_CODE = "measure_code"
SOURCE_NAME = "returns"
# columns the loader adds to every returns table: they identify a row, nobody records them
IDENTITY_COLUMNS = frozenset({"org", "period", "version", "source_row"})
# pseudonymised at ingest: the returns tables hold the key, the Trust recorded the identifier
PSEUDONYMS = {"person_key": "hcn", "worker_key": "worker_id"}
ROW_CLAUSES = ("where", "joins", "group", "having", "qualify", "distinct", "windows")


@dataclass(frozen=True)
class MeasureLineage:
    """One measure: the union branch that builds its rows and the source columns it reads."""

    code: str
    model: str  # unique id of the int_outcomeN_measures model
    mart: str  # unique id of the mart holding its rows
    branch_sql: str  # the branch's select, as qualified by sqlglot (for a reviewer)
    inputs: frozenset[Atom]  # terminal (source or seed, column) atoms, ROWS excluded


@dataclass(frozen=True)
class ExposureLineage:
    name: str
    label: str
    type: str
    owner: str
    description: str
    url: str | None
    marts: tuple[str, ...]  # unique ids of the marts it depends on
    # measure codes in those marts, then the breakdowns (``<code>/<dimension>``) it carries:
    # every one of a breakdowns mart, or those of its ``meta.breakdown_dimensions``
    measures: tuple[str, ...]


@dataclass
class Lineage:
    """Measure-level lineage of the project, resolved to collected items."""

    measures: dict[str, MeasureLineage]  # in catalog order
    exposures: dict[str, ExposureLineage]
    # (collection, item) -> measure codes it reaches, in catalog order, then the breakdowns
    # (``<code>/<dimension>``) it reaches
    item_measures: dict[tuple[str, str], tuple[str, ...]]
    warnings: list[str] = field(default_factory=list)
    # the source's documentation (__sources.yml): (collection, item) / collection -> text
    descriptions: dict[tuple[str, str], str] = field(default_factory=dict)
    collection_descriptions: dict[str, str] = field(default_factory=dict)
    # "<code>/<dimension>" -> the breakdown's lineage, in catalog order
    breakdowns: dict[str, BreakdownLineage] = field(default_factory=dict)

    def reaches(self, collection: str, item: str) -> tuple[str, ...]:
        return self.item_measures.get((collection, item), ())

    def exposures_of(self, measures: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        wanted = set(measures)
        return tuple(n for n, e in self.exposures.items() if wanted & set(e.measures))


class ManifestGraph:
    """Every model of a compiled manifest, qualified and walked (memoised)."""

    def __init__(self, manifest: dict):
        self.manifest = manifest
        self.nodes: dict[str, dict] = {**manifest["nodes"], **manifest["sources"]}
        self.models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
        self.relations: dict[str, str] = {}
        for unique_id, node in self.nodes.items():
            if node.get("relation_name"):
                self.relations[_relation_key(node["relation_name"])] = unique_id
        self.schema: dict = {}
        for unique_id, node in self.nodes.items():
            if node["resource_type"] == "source":
                if not node["columns"]:
                    raise LineageError(f"{unique_id} declares no columns (__sources.yml)")
                self._add_schema(node["relation_name"], list(node["columns"]))
            elif node["resource_type"] == "seed" and node.get("relation_name"):
                self._add_schema(node["relation_name"], self.seed_header(unique_id))
        self.trees: dict[str, exp.Expression] = {}
        self.roots: dict[str, Scope] = {}
        self.walkers: dict[str, ScopeWalker] = {}
        for unique_id in self._topological(self.models):
            node = self.models[unique_id]
            tree = parse_qualified(node["compiled_code"], self.schema)
            self.trees[unique_id] = tree
            self.roots[unique_id] = build_scope(tree)
            self.walkers[unique_id] = ScopeWalker(self._resolve_table)
            outputs = self.walkers[unique_id].deps(self.roots[unique_id]).outputs
            self._add_schema(node["relation_name"], outputs)
        self._resolved: dict[Atom, frozenset[Atom]] = {}

    # -- building ------------------------------------------------------------------------------

    def _add_schema(self, relation_name: str, columns: list[str]) -> None:
        catalog, db, name = _relation_key(relation_name).split(".")
        self.schema.setdefault(catalog, {}).setdefault(db, {})[name] = {
            c: "VARCHAR" for c in columns
        }

    def _topological(self, models: dict[str, dict]) -> list[str]:
        order: list[str] = []
        seen: set[str] = set()

        def visit(unique_id: str, path: tuple[str, ...]) -> None:
            if unique_id in seen:
                return
            if unique_id in path:
                raise LineageError(f"dependency cycle through {unique_id}")
            for upstream in models[unique_id]["depends_on"]["nodes"]:
                if upstream in models:
                    visit(upstream, (*path, unique_id))
            seen.add(unique_id)
            order.append(unique_id)

        for unique_id in sorted(models):
            visit(unique_id, ())
        return order

    def _resolve_table(self, table: exp.Table) -> str:
        key = table_name(table)
        if key not in self.relations:
            raise LineageError(f"{key} is not a model, seed or source of the manifest")
        return self.relations[key]

    def seed_path(self, unique_id: str) -> Path:
        node = self.nodes[unique_id]
        return (Path(node["root_path"]) / node["original_file_path"]).resolve()

    def seed_header(self, unique_id: str) -> list[str]:
        with self.seed_path(unique_id).open(newline="", encoding="utf-8-sig") as f:
            return [c.strip().lower() for c in next(csv.reader(f))]

    def _catalog_rows(self) -> list[dict[str, str]]:
        """The rows of the measure catalog seed (``measures``)."""
        seeds = [u for u, n in self.nodes.items() if n["resource_type"] == "seed"]
        seed = next((u for u in seeds if self.nodes[u]["name"] == "measures"), None)
        if seed is None:
            raise LineageError("the manifest has no `measures` seed (the measure catalog)")
        with self.seed_path(seed).open(newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))

    def catalog_measures(self) -> dict[str, int]:
        """The measure catalog seed (``measures``): code -> outcome, in catalog order, for the
        measures of the outcome marts (the breakdown-only LGD rates are not built by them, and
        those outside the outcomes, ``Q_``, are built from the file versions, not from a
        collected item)."""
        return {
            row["measure_code"]: int(row["outcome"])
            for row in self._catalog_rows()
            if (row.get("breakdown_only") or "").strip().lower() != "true" and row["outcome"]
        }

    def catalog_breakdowns(self) -> dict[str, tuple[str, ...]]:
        """The measure catalog's ``breakdowns`` column: code -> the dimensions it is broken
        down by (the LGD rates too), in catalog order, for the measures broken down."""
        return {
            row["measure_code"]: tuple(row["breakdowns"].split())
            for row in self._catalog_rows()
            if (row.get("breakdowns") or "").strip()
        }

    def seed_values(self, unique_id: str, column: str) -> list[str]:
        with self.seed_path(unique_id).open(newline="", encoding="utf-8-sig") as f:
            rows = csv.DictReader(f)
            return list(dict.fromkeys(row[column] for row in rows))

    # -- resolution ----------------------------------------------------------------------------

    def resolve(self, atoms: set[Atom] | frozenset[Atom]) -> frozenset[Atom]:
        """Atoms on models, followed through every model to sources and seeds."""
        out: set[Atom] = set()
        for atom in atoms:
            out |= self._resolve_atom(atom)
        return frozenset(out)

    def _resolve_atom(self, atom: Atom) -> frozenset[Atom]:
        if atom not in self._resolved:
            relation, column = atom
            if relation in self.models:
                deps = self.walkers[relation].deps(self.roots[relation])
                inner = deps.rows if column == ROWS else deps.column(column)
                self._resolved[atom] = self.resolve(inner)
            else:
                self._resolved[atom] = frozenset({atom})
        return self._resolved[atom]

    def upstream_models(self, atoms: set[Atom], stop: set[str]) -> set[str]:
        """The ``stop`` models reached from ``atoms`` (walking models not in ``stop``)."""
        found: set[str] = set()
        pending, seen = list(atoms), set()
        while pending:
            atom = pending.pop()
            if atom in seen:
                continue
            seen.add(atom)
            relation, column = atom
            if relation in stop:
                found.add(relation)
            elif relation in self.models:
                deps = self.walkers[relation].deps(self.roots[relation])
                pending += deps.rows if column == ROWS else deps.column(column)
        return found

    def origin(self, model: str, scope: Scope, column: exp.Column) -> set[Atom]:
        """Where a column's value is copied from, through pass-through projections only."""
        current: Scope | None = scope
        while current is not None and column.table not in current.sources:
            current = current.parent
        if current is None:
            raise LineageError(f"cannot resolve {column.sql()}")
        source = current.sources[column.table]
        if isinstance(source, Scope):
            return self.output_origin(model, source, column.name)
        relation = self._resolve_table(source)
        if relation in self.models:
            return self.output_origin(relation, self.roots[relation], column.name)
        return {(relation, column.name)}

    def output_origin(self, model: str, scope: Scope, name: str) -> set[Atom]:
        if isinstance(scope.expression, exp.SetOperation):
            outputs = self.walkers[model].deps(scope).outputs
            position = outputs.index(name)
            found: set[Atom] = set()
            for branch in scope.set_operation_scopes:
                branch_outputs = self.walkers[model].deps(branch).outputs
                found |= self.output_origin(model, branch, branch_outputs[position])
            return found
        for projection in scope.expression.expressions:
            if projection.alias_or_name == name:
                value = projection.unalias()
                if not isinstance(value, exp.Column):
                    raise LineageError(
                        f"{name} is computed ({value.sql()[:60]}), not copied from a seed"
                    )
                return self.origin(model, scope, value)
        raise LineageError(f"no column {name}")


def _relation_key(relation_name: str) -> str:
    return ".".join(part.strip().strip('"').lower() for part in relation_name.split("."))


# -- measures ----------------------------------------------------------------------------------


def _own_row_clauses(select: exp.Select) -> bool:
    """Any row clause but a WHERE that does not read the measure code: the incremental
    measure models' scope (dbt_project/macros/scope.sql) keeps or drops rows by org and
    period, never a measure."""
    where = select.args.get("where")
    if where is not None and any(c.name == MEASURE_CODE for c in where.find_all(exp.Column)):
        return True
    return any(select.args.get(key) for key in ROW_CLAUSES if key != "where")


def measure_branches(scope: Scope) -> list[Scope]:
    """The union branches a measure model's rows come from, each with its own measure_code.

    Follows pass-through selects (no row clauses, one source, ``measure_code`` a bare column)
    down to the set operation and flattens it.
    """
    expression = scope.expression
    if isinstance(expression, exp.SetOperation):
        if expression.args.get("distinct"):
            raise LineageError("a measure model's UNION must be UNION ALL")
        return [b for s in scope.set_operation_scopes for b in measure_branches(s)]
    projections = {p.alias_or_name: p.unalias() for p in expression.expressions}
    if MEASURE_CODE not in projections:
        raise LineageError(f"no {MEASURE_CODE} in {expression.sql()[:80]}")
    sources = list(scope.selected_sources.values())
    code = projections[MEASURE_CODE]
    if (
        isinstance(code, exp.Column)
        and len(sources) == 1
        and isinstance(sources[0][1], Scope)
        and not _own_row_clauses(expression)
        and not scope.subquery_scopes
    ):
        return measure_branches(sources[0][1])
    return [scope]


def _code_parts(code: exp.Expression) -> list[exp.Expression]:
    if isinstance(code, (exp.DPipe, exp.Concat)):
        parts = [code.this, code.expression] if isinstance(code, exp.DPipe) else code.expressions
        return [p for part in parts for p in _code_parts(part)]
    return [code]


def branch_codes(graph: ManifestGraph, model: str, branch: Scope) -> list[str]:
    """The measure codes one branch produces.

    A literal is its own code. ``'PREFIX_' || column`` is expanded with the values of the seed
    column the column is copied from (through pass-through projections only), keeping the
    values the branch's own WHERE / HAVING / QUALIFY do not rule out (each predicate is
    simplified with the value substituted; a predicate that becomes FALSE drops the value).
    """
    projection = next(p for p in branch.expression.expressions if p.alias_or_name == MEASURE_CODE)
    choices: list[list[tuple[str, exp.Column | None]]] = []
    for part in _code_parts(projection.unalias()):
        if isinstance(part, exp.Literal) and part.is_string:
            choices.append([(part.this, None)])
        elif isinstance(part, exp.Column):
            origins = graph.origin(model, branch, part)
            values: list[str] = []
            for relation, column in sorted(origins):
                if graph.nodes[relation]["resource_type"] != "seed":
                    raise LineageError(
                        f"computed measure code {projection.sql()} reads {relation}.{column}, "
                        "not a seed: its values cannot be listed"
                    )
                values += graph.seed_values(relation, column)
            choices.append([(v, part) for v in dict.fromkeys(values)])
        else:
            raise LineageError(f"unsupported measure code expression {projection.sql()}")
    codes = []
    for combination in itertools.product(*choices):
        bindings = {(c.table, c.name): v for v, c in combination if c is not None}
        if bindings and _ruled_out(branch.expression, bindings):
            continue
        codes.append("".join(v for v, _ in combination))
    return codes


def _ruled_out(select: exp.Select, bindings: dict[tuple[str, str], str]) -> bool:
    for key in ("where", "having", "qualify"):
        clause = select.args.get(key)
        if clause is None:
            continue

        def bind(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and (node.table, node.name) in bindings:
                return exp.Literal.string(bindings[(node.table, node.name)])
            return node

        verdict = simplify(clause.this.copy().transform(bind))
        if isinstance(verdict, exp.Boolean) and not verdict.this:
            return True
        if isinstance(verdict, exp.Null):
            return True
    return False


def mart_outcome(graph: ManifestGraph, mart: str) -> int | None:
    """N where a mart keeps ``outcome = N`` rows (its WHERE), else None."""
    for where in graph.trees[mart].find_all(exp.Where):
        for eq in where.find_all(exp.EQ):
            column, literal = eq.this, eq.expression
            if isinstance(literal, exp.Column):
                column, literal = literal, column
            if (
                isinstance(column, exp.Column)
                and column.name == "outcome"
                and isinstance(literal, exp.Literal)
                and not literal.is_string
            ):
                return int(literal.this)
    return None


def build_lineage(manifest: dict, catalog_items: list[tuple[str, str]] | None = None) -> Lineage:
    """Measure-level lineage of a compiled manifest, resolved to the catalog's items."""
    graph = ManifestGraph(manifest)
    warnings: list[str] = []
    marts = {
        unique_id: mart_outcome(graph, unique_id)
        for unique_id, node in graph.models.items()
        if node["schema"] == "marts" or "marts" in node["fqn"]
    }
    measures = _measures(graph, marts, warnings)
    breakdowns: dict[str, BreakdownLineage] = {}
    for mart in _breakdown_marts(graph, marts):
        found, problems = build_breakdowns(graph, mart, measures, graph.catalog_breakdowns())
        breakdowns |= found
        warnings += problems
    item_measures, descriptions, collection_descriptions = _items(
        graph, {**measures, **breakdowns}, catalog_items, warnings
    )
    return Lineage(
        measures=measures,
        exposures=_exposures(graph, marts, measures, breakdowns),
        item_measures=item_measures,
        warnings=warnings,
        descriptions=descriptions,
        collection_descriptions=collection_descriptions,
        breakdowns=breakdowns,
    )


def _breakdown_marts(graph: ManifestGraph, marts: dict[str, int | None]) -> list[str]:
    """The marts of breakdowns: no single outcome, rows keyed by dimension and category."""
    keyed = {"measure_code", "dimension", "category"}
    return [
        mart
        for mart, outcome in marts.items()
        if outcome is None and keyed <= set(graph.walkers[mart].deps(graph.roots[mart]).outputs)
    ]


def _measures(graph: ManifestGraph, marts: dict[str, int], warnings: list[str]) -> dict:
    """Each catalog measure: the union branch that builds it, its inputs and its mart."""
    catalog = graph.catalog_measures()
    measure_models = sorted(
        unique_id
        for unique_id, node in graph.models.items()
        if node["name"].startswith(MEASURE_MODEL_PREFIX)
        and node["name"].endswith(MEASURE_MODEL_SUFFIX)
    )
    mart_inputs = {
        mart: graph.upstream_models(
            {(mart, c) for c in graph.walkers[mart].deps(graph.roots[mart]).outputs},
            set(measure_models),
        )
        for mart in marts
    }
    found: dict[str, MeasureLineage] = {}
    for model in measure_models:
        walker = graph.walkers[model]
        for branch in measure_branches(graph.roots[model]):
            inputs = frozenset(
                a for a in graph.resolve(walker.deps(branch).everything()) if a[1] != ROWS
            )
            for code in branch_codes(graph, model, branch):
                if code not in catalog:
                    warnings.append(
                        f"{model} builds {code}, which is not in the measure catalog: "
                        "int_measures' inner join with the catalog drops it"
                    )
                    continue
                if code in found:
                    raise LineageError(f"{code} is built by more than one branch")
                outcome = catalog[code]
                homes = [m for m, n in marts.items() if n == outcome and model in mart_inputs[m]]
                if len(homes) != 1:
                    raise LineageError(f"{code}: no single mart keeps outcome {outcome} rows")
                found[code] = MeasureLineage(
                    code=code,
                    model=model,
                    mart=homes[0],
                    branch_sql=branch.expression.sql(dialect="duckdb", pretty=True),
                    inputs=inputs,
                )
    missing = [code for code in catalog if code not in found]
    if missing:
        warnings.append(f"catalog measures no model builds: {', '.join(missing)}")
    return {code: found[code] for code in catalog if code in found}


def _exposures(
    graph: ManifestGraph, marts: dict[str, int], measures: dict, breakdowns: dict
) -> dict:
    """The dbt exposures over the marts, with the measures and breakdowns they carry (an
    exposure's ``meta.breakdown_dimensions`` narrows its breakdowns to those dimensions)."""
    exposures = {}
    for node in graph.manifest.get("exposures", {}).values():
        depends = tuple(n for n in node["depends_on"]["nodes"] if n in marts)
        meta = node.get("meta") or (node.get("config") or {}).get("meta") or {}
        dimensions = meta.get("breakdown_dimensions")
        carried = [
            key
            for key, b in breakdowns.items()
            if b.mart in depends and (dimensions is None or b.dimension in dimensions)
        ]
        owner = node.get("owner") or {}
        exposures[node["name"]] = ExposureLineage(
            name=node["name"],
            label=node.get("label") or node["name"],
            type=node.get("type", ""),
            owner=owner.get("name") or owner.get("email") or "",
            description=(node.get("description") or "").strip(),
            url=node.get("url"),
            marts=depends,
            measures=(*(c for c, m in measures.items() if m.mart in depends), *carried),
        )
    return exposures


def _items(graph: ManifestGraph, measures: dict, catalog_items, warnings: list[str]):
    """Each collected item (a column of a returns source) with the measures (and breakdowns)
    it reaches, in the order of ``measures``, and the sources' documentation."""
    sources = {
        unique_id: node
        for unique_id, node in graph.nodes.items()
        if node["resource_type"] == "source" and node["source_name"] == SOURCE_NAME
    }
    by_column: dict[Atom, list[str]] = {}
    for code, measure in measures.items():
        for atom in measure.inputs:
            by_column.setdefault(atom, []).append(code)
    item_measures: dict[tuple[str, str], tuple[str, ...]] = {}
    descriptions: dict[tuple[str, str], str] = {}
    collection_descriptions: dict[str, str] = {}
    for unique_id, node in sources.items():
        collection = node["name"]
        collection_descriptions[collection] = (node.get("description") or "").strip()
        for column, column_node in node["columns"].items():
            if column in IDENTITY_COLUMNS:
                continue
            item = PSEUDONYMS.get(column, column)
            item_measures[(collection, item)] = tuple(by_column.get((unique_id, column), ()))
            descriptions[(collection, item)] = (column_node.get("description") or "").strip()
    if catalog_items is not None:
        known = set(catalog_items)
        for key in sorted(set(item_measures) - known):
            warnings.append(f"returns.{key[0]} column for {key[1]} is not in the catalog")
        for key in catalog_items:
            if key not in item_measures:
                warnings.append(f"catalog item {key[0]}.{key[1]} is not a source column")
                item_measures[key] = ()
    return item_measures, descriptions, collection_descriptions
