"""The dbt models (seeds -> staging -> intermediate -> marts) as Dagster assets.

dbt's data tests run inside ``dbt build`` (a failing test fails the run). Each tested model
carries one asset check, ``dbt_tests`` (``translator.py``), evaluated from dbt's run results:
not ~200 single checks, which cost more Dagster events than the tests cost to run
(bench/README.md, "dbt tests as asset checks").
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetObservation,
    AssetsDefinition,
    AssetSelection,
    MetadataValue,
)
from dagster_dbt import DbtCliInvocation, DbtCliResource, DbtProject, dbt_assets

from pipelines.dbt_files import dbt_vars
from pipelines.defs.dbt.resources import parsed
from pipelines.defs.dbt.translator import (
    DBT_TESTS_CHECK,
    TRANSLATOR,
    asset_key_of,
    is_contracted,
    key_tests,
    macro_of,
    tested_nodes,
)
from pipelines.defs.resources import WarehouseResource
from pipelines.settings import environment
from pipelines.warehouse import working_copy, writing

# every dbt node is one multi-asset: seeds, staging, intermediate models and marts
DBT_MODELS = AssetSelection.kind("dbt")
# dbt's statuses of a test that did not pass (``warn``: a warn-severity test found rows)
NOT_PASSED = {"fail", "error", "warn"}
# generic tests whose failing rows say what failed: a model's columns tested not null at once
NAMES_WHAT_FAILED = {"not_null_columns": "nulls in"}
# a run tag: the rows of the incremental measure models a dbt build rebuilds (a load's
# planning.Scope, as JSON); a build without it rebuilds every row
DBT_SCOPE_TAG = "sws/dbt_scope"


class ManifestMissing(Exception):
    """The definitions were asked for before the dbt manifest was prepared."""


def build_dbt_assets(project: DbtProject) -> AssetsDefinition:
    """The dbt models as assets; the manifest must have been prepared (``prepare_manifest``)."""
    if not project.manifest_path.exists():
        raise ManifestMissing(
            f"no dbt manifest at {project.manifest_path}: run `sws load` or `sws ui` (they "
            "prepare it), or `dagster-dbt project prepare-and-package`"
        )

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=TRANSLATOR)
    def sws_dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ):
        # dbt writes the working copy (profiles.yml)
        with writing(warehouse.settings.warehouse):
            yield from _build(context, dbt, warehouse)

    return sws_dbt_models


def _build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    scope = context.run.tags.get(DBT_SCOPE_TAG)
    parsed(warehouse.settings.dbt_target)  # two dbt commands never share a target folder
    # unit tests check the models' logic, not the data: they run in the test suite instead
    args = ["build", "--exclude-resource-type", "unit_test", *dbt_vars()]
    # no scope: the incremental measure models are built whole, like every other model
    # (dagster-dbt passes this process's environment on to dbt)
    with environment(SWS_DBT_SCOPE=scope):
        invocation = dbt.cli(
            args if scope else [*args, "--full-refresh"],
            context=context,
            # one target folder per warehouse: dbt's partial parse survives from run to run
            target_path=warehouse.settings.dbt_target,
        )
    selected = context.selected_asset_check_keys
    database = working_copy(warehouse.settings.warehouse)
    try:
        # a test's own observation is dropped: dbt_test_checks reports them per model
        yield from (e for e in invocation.stream() if not isinstance(e, AssetObservation))
    except Exception:
        # which failed, before the step fails
        yield from dbt_test_checks(invocation, selected, database)
        raise
    else:
        yield from dbt_test_checks(invocation, selected, database)
    finally:
        # dbt holds the warehouse's write lock: never leave it running behind a failed step
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait()


def dbt_test_checks(
    invocation: DbtCliInvocation, selected: Iterable[AssetCheckKey], database: Path
) -> Iterator[AssetCheckResult]:
    """The ``dbt_tests`` check of each selected model whose tests ran (or that failed to
    build), from dbt's run results; ``database``: the warehouse dbt wrote."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except FileNotFoundError:
        return  # dbt stopped before running anything
    details = what_failed(invocation.manifest, results, database)
    yield from checks_from_results(invocation.manifest, results, selected, details)


def what_failed(manifest: Mapping[str, Any], results: list[dict], database: Path) -> dict[str, str]:
    """By test name, what each failing test that names it found (``NAMES_WHAT_FAILED``): its
    query, as dbt ran it, run again on the warehouse, only when such a test failed. Nothing
    for a test whose query cannot be run again (e.g. dbt still holds the file)."""
    details = {}
    for result in results:
        test = manifest["nodes"].get(result["unique_id"], {})
        said = NAMES_WHAT_FAILED.get(macro_of(test) if test else None)
        if not said or result["status"] not in NOT_PASSED or not result.get("compiled_code"):
            continue
        try:
            with duckdb.connect(str(database), read_only=True) as con:
                found = con.execute(result["compiled_code"]).fetchall()
        except duckdb.Error:
            continue
        details[test["name"]] = f"{said} " + ", ".join(f"{what} ({n} rows)" for what, n in found)
    return details


def checks_from_results(
    manifest: Mapping[str, Any],
    results: list[dict],
    selected: Iterable[AssetCheckKey],
    details: Mapping[str, str] | None = None,
) -> Iterator[AssetCheckResult]:
    """``details``: by test name, what a failing test found (``what_failed``)."""
    status = {result["unique_id"]: result["status"] for result in results}
    tests_by_node: dict[str, dict[str, str]] = defaultdict(dict)
    for unique_id, test_status in status.items():
        test = manifest["nodes"].get(unique_id)
        if test and test["resource_type"] == "test":
            for node_id in tested_nodes(test):
                tests_by_node[node_id][test["name"]] = test_status
    nodes = {**manifest["nodes"], **manifest["sources"]}
    wanted = {key.asset_key for key in selected if key.name == DBT_TESTS_CHECK}
    for node_id, node in nodes.items():
        key = asset_key_of(node) if node["resource_type"] in ("model", "seed") else None
        if key not in wanted or not (tests_by_node[node_id] or status.get(node_id) == "error"):
            continue  # not selected, or nothing of it ran
        yield _check_result(
            manifest, node_id, tests_by_node[node_id], status.get(node_id), details or {}
        )


def _check_result(
    manifest: Mapping[str, Any],
    node_id: str,
    tests: dict[str, str],
    node_status: str | None,
    details: Mapping[str, str],
) -> AssetCheckResult:
    node = manifest["nodes"][node_id]
    keys = key_tests(manifest, node_id)
    failing = sorted(name for name, status in tests.items() if status in NOT_PASSED)
    broken = node_status == "error"  # the model did not build: its SQL, or its contract
    # a warning only where every failing test leaves the model's grain intact
    blocking = broken or any(name in keys for name in failing) or not failing
    lines = [
        f"- `{n}`: {tests[n]}{' (primary key)' if n in keys else ''}"
        + (f": {details[n]}" if n in details else "")
        for n in failing
    ]
    if broken:
        why = "its enforced contract or its SQL" if is_contracted(node) else "its SQL"
        lines.insert(0, f"- the model did not build ({why}): see the run's dbt log")
    return AssetCheckResult(
        asset_key=asset_key_of(node),
        check_name=DBT_TESTS_CHECK,
        passed=not failing and not broken,
        severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
        metadata={
            "tests": len(tests),
            "passed": sum(status == "pass" for status in tests.values()),
            "failing": MetadataValue.md("\n".join(lines) or "none"),
            "failing_primary_key_tests": sum(name in keys for name in failing),
        },
        description=f"{len(failing)} of {len(tests)} dbt tests did not pass"
        + ("; the model did not build" if broken else "")
        if failing or broken
        else f"all {len(tests)} dbt tests passed",
    )
