"""Usage lineage: which collected items reach which measures and extracts, and the cull report.

API
---
- ``item_lineage(settings) -> Lineage``: measure-level lineage of the dbt project for every
  item of the collection catalog (``Lineage.reaches(collection, item)`` -> measure codes;
  ``Lineage.measures[code]`` -> the branch SQL and source columns behind a measure;
  ``Lineage.exposures`` -> the dbt exposures and the measures they carry).
- ``cull_report(settings) -> polars.DataFrame`` and ``write_cull_report(settings, out)``:
  interface.md, "The cull report" (rules in ``report.py``).
- ``write_data_pages(settings, out_dir)``: "what happens to your data", a plain-language
  page per return plus an index, for social workers (``pages.py``).
- ``query_dependencies(sql, schema)``: the column walk on a single query (``sql.py``).

How lineage is computed
-----------------------
1. **Compiled SQL.** A dbt manifest with every model's ``compiled_code``: the warehouse's own
   last ``dbt build`` manifest when it is newer than the project files, else ``dbt compile``
   into ``$SWS_HOME/lineage-target`` (``manifest.py``). No SQL is parsed by hand.
2. **One model at a time** (``sql.py``), in dependency order: sqlglot parses the compiled SQL
   and ``optimizer.qualify`` qualifies it against a schema of every relation (sources: the
   columns in ``__sources.yml``; seeds: their CSV headers; models: the outputs of the models
   already walked), so ``select *`` is expanded and every column names its source.
   ``optimizer.scope.build_scope`` then gives each select scope; for each one:

   - an output column's *value* depends on every column referenced in its projection
     expression (arithmetic, ``CASE`` conditions, ``FILTER``, window ``PARTITION BY`` /
     ``ORDER BY``, scalar subqueries);
   - the scope's *rows* depend on the columns in ``WHERE``, ``JOIN ... ON``/``USING``,
     ``GROUP BY``, ``HAVING``, ``QUALIFY``, ``DISTINCT`` (``ORDER BY`` only with a
     ``LIMIT``), and on the rows of every CTE, derived table or relation it selects from;
   - output column ``c`` depends on value(c) plus the rows.

   References to CTEs and derived tables are replaced by that scope's column dependencies;
   ``UNION ALL`` branches map positionally. The result for a model is, per output column, a
   set of ``(upstream relation, column)`` atoms (plus ``(relation, *rows*)`` where the row
   selection of an upstream relation matters, e.g. ``count(*)``).
3. **Across models** (``graph.py``): atoms on models are replaced by that model's column (or
   row) dependencies, recursively, until only sources and seeds remain.
4. **Measures.** A mart row is a measure because of its ``measure_code``. In each
   ``int_outcomeN_measures`` model the root select is followed through pass-through selects
   (no predicates, one source, ``measure_code`` copied) to the ``UNION ALL`` that builds the
   rows, and **each branch is traced separately**: the measure depends on every column of
   its branch (all of them are mart columns: code, org, period, numerator, denominator,
   value) and on the branch's rows. The branch's ``measure_code`` is a literal, or
   ``'PREFIX_' || column`` where the column is copied (pass-through projections only,
   checked) from a seed: it expands to one code per seed value (``dsf_functions``,
   ``indicators``), minus values the branch's own ``WHERE`` rules out (the predicate with
   the value substituted simplifies to FALSE: ``indicator_code != 'PUBLIC_RATING_...'``).
   Only codes in the measure catalog (``seeds/measures.csv``) count: ``int_measures`` inner
   joins the catalog. A measure lands in the mart whose ``WHERE outcome = N`` matches its
   catalog outcome, checked to be downstream of the branch's model by column lineage.
   ``int_measures`` and the marts join and filter only on ``measure_code`` (and org/period)
   and the catalog, so a mart row of measure M derives from branch M's rows alone.
5. **Items.** ``source('returns', <collection>).<column>`` atoms are items of that return:
   ``person_key`` is the item ``hcn``, ``worker_key`` is ``worker_id`` (pseudonymised at
   ingest); ``org``, ``period``, ``version``, ``source_row`` identify rows and are not items.
   An item reaches a measure when its atom is in the measure's set, and an exposure
   (``dbt_project/models/marts/exposures.yml``) when one of those measures is in a mart the
   exposure depends on.

To check a verdict by hand: ``Lineage.measures[code].branch_sql`` is the branch, then read
the CTEs and models it selects from; every column in a projection or a row clause counts.
The walk is conservative: a ``JOIN ... ON`` column counts for every column of the joined
rows (a join can repeat or drop them), so e.g. ``workforce.worker_id`` reaches ``O2_WTE``
through the retention self-join in ``int_workforce_post_holders``.
"""

from pipelines.lineage.graph import ExposureLineage, Lineage, MeasureLineage, build_lineage
from pipelines.lineage.manifest import compiled_manifest
from pipelines.lineage.pages import write_data_pages
from pipelines.lineage.report import (
    REPORT_COLUMNS,
    build_report,
    cull_report,
    cull_report_csv,
    item_lineage,
    read_catalog,
    read_usage,
    write_cull_report,
)
from pipelines.lineage.sql import LineageError, query_dependencies

__all__ = [
    "REPORT_COLUMNS",
    "ExposureLineage",
    "Lineage",
    "LineageError",
    "MeasureLineage",
    "build_lineage",
    "build_report",
    "compiled_manifest",
    "cull_report",
    "cull_report_csv",
    "item_lineage",
    "query_dependencies",
    "read_catalog",
    "read_usage",
    "write_cull_report",
    "write_data_pages",
]
