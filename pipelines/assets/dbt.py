"""The dbt models (staging -> intermediate -> marts) as Dagster assets; dbt tests become checks."""

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.project import manifest_is_stale, sws_dbt_project
from pipelines.resources import build_resources
from pipelines.settings import load_settings

if manifest_is_stale():
    # The asset graph is read from the manifest, so it must exist before the decorator runs.
    dbt = build_resources(load_settings())["dbt"]
    dbt.cli(["parse", "--quiet"], target_path=sws_dbt_project.target_path).wait()


@dbt_assets(manifest=sws_dbt_project.manifest_path, project=sws_dbt_project)
def sws_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    # unit tests check the models' logic, not the data: they run in the test suite instead
    invocation = dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context)
    try:
        yield from invocation.stream()
    finally:
        # dbt holds the warehouse's write lock: never leave it running behind a failed step
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait()
