"""The dbt models (staging -> intermediate -> marts) as Dagster assets.

dbt's data tests run inside ``dbt build`` (a failing test fails the run) and are reported as
one observation per model listing its tests, not as ~200 single asset checks: with the
instance in SQLite every Dagster event is its own commit, and one event per test cost more
than the tests themselves (bench/README.md).
"""

from collections import defaultdict
from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    AssetsDefinition,
    AssetSelection,
    MetadataValue,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from pipelines.defs.resources import WarehouseResource
from pipelines.warehouse import writing

TRANSLATOR = DagsterDbtTranslator(DagsterDbtTranslatorSettings(enable_asset_checks=False))
# every dbt node is one multi-asset: seeds, staging, intermediate models and marts
DBT_MODELS = AssetSelection.kind("dbt")


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
    # unit tests check the models' logic, not the data: they run in the test suite instead
    invocation = dbt.cli(
        ["build", "--exclude-resource-type", "unit_test"],
        context=context,
        # one target folder per warehouse: dbt's partial parse survives from run to run
        target_path=warehouse.settings.dbt_target,
    )
    try:
        # a test's own observation is dropped here; tests_by_model reports them per model
        yield from (e for e in invocation.stream() if not isinstance(e, AssetObservation))
    except Exception:
        yield from tests_by_model(invocation)  # which tests failed, before the step fails
        raise
    else:
        yield from tests_by_model(invocation)
    finally:
        # dbt holds the warehouse's write lock: never leave it running behind a failed step
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait()


def tests_by_model(invocation: DbtCliInvocation) -> Iterator[AssetObservation]:
    """One observation per tested model: how many of its dbt tests passed, which did not."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except FileNotFoundError:
        return  # dbt stopped before running anything
    resources = {**invocation.manifest["sources"], **invocation.manifest["nodes"]}
    tested: dict[AssetKey, dict[str, str]] = defaultdict(dict)
    for result in results:
        test = resources.get(result["unique_id"], {})
        if test.get("resource_type") != "test":
            continue
        for parent in filter(None, map(resources.get, test["depends_on"]["nodes"])):
            tested[TRANSLATOR.get_asset_key(parent)][test["name"]] = result["status"]
    for key, statuses in sorted(tested.items()):
        failing = sorted(name for name, status in statuses.items() if status != "pass")
        yield AssetObservation(
            asset_key=key,
            metadata={
                "dbt tests": len(statuses),
                "dbt tests passed": len(statuses) - len(failing),
                "dbt tests not passed": MetadataValue.md(
                    "\n".join(f"- `{name}`: {statuses[name]}" for name in failing) or "none"
                ),
            },
        )
