"""The dbt models (staging -> intermediate -> marts) as Dagster assets; dbt tests become checks."""

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.project import manifest_is_stale, sws_dbt_project
from pipelines.resources import WarehouseResource, build_resources
from pipelines.settings import load_settings
from pipelines.warehouse import writer_turn

if manifest_is_stale():
    # The asset graph is read from the manifest, so it must exist before the decorator runs.
    dbt = build_resources(load_settings())["dbt"]
    dbt.cli(["parse", "--quiet"], target_path=sws_dbt_project.target_path).wait()


@dbt_assets(manifest=sws_dbt_project.manifest_path, project=sws_dbt_project)
def sws_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    with warehouse.connect():
        pass  # the source tables exist even before any return has been loaded
    with writer_turn(warehouse.settings.warehouse):
        yield from _build(context, dbt, warehouse)


def _build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # unit tests check the models' logic, not the data: they run in the test suite instead
    invocation = dbt.cli(
        ["build", "--exclude-resource-type", "unit_test"],
        context=context,
        # one target folder per warehouse: dbt's partial parse survives from run to run
        target_path=warehouse.settings.home / "dbt-target",
    )
    try:
        yield from invocation.stream()
    finally:
        # dbt holds the warehouse's write lock: never leave it running behind a failed step
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait()
