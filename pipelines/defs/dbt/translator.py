"""How the dbt project appears in Dagster: a group per layer, descriptions from the yml files,
owners, code references, and one ``dbt_tests`` check per model.

After dagster-open-platform's ``lib/dbt/translator.py``: the base spec, then our group, key
and metadata on top of it (``get_asset_spec``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetCheckSpec, AssetKey, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from pipelines.defs.assets.metadata import OWNERS

DBT_TESTS_CHECK = "dbt_tests"
# seeds load the reference lists; models take their layer from their folder (fqn[1])
LAYERS = ("staging", "intermediate", "marts")
SEED_GROUP = "reference"
# dbt-project-evaluator's primary-key convention (dbt_project.yml, primary_key_test_macros)
KEY_TESTS = {"unique", "unique_combination_of_columns"}


class SwsDbtTranslator(DagsterDbtTranslator):
    def __init__(self, settings: DagsterDbtTranslatorSettings | None = None):
        # dbt's tests are reported per model (``dbt_tests``), not as one Dagster check each:
        # with the instance in SQLite every event is a commit (bench/README.md, "dbt tests")
        super().__init__(
            settings
            or DagsterDbtTranslatorSettings(enable_asset_checks=False, enable_code_references=True)
        )

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None  # a source is an asset of ours already (returns/*, ingest/file_versions)
        if dbt_resource_props["resource_type"] == "seed":
            return SEED_GROUP
        layer = dbt_resource_props["fqn"][1]
        if layer not in LAYERS:
            raise ValueError(
                f"dbt model {dbt_resource_props['name']} is in models/{layer}/: a model belongs "
                f"in one of {', '.join(LAYERS)}"
            )
        return layer

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        """The yml description and where the node lives; no compiled SQL (the code reference
        opens the file)."""
        props = dbt_resource_props
        what = (props.get("description") or "").strip()
        if props["resource_type"] == "source":
            return what
        if not what:
            raise ValueError(f"dbt {props['resource_type']} {props['name']} has no description")
        if props["resource_type"] == "seed":
            where = f"dbt seed `{props['name']}` from `seeds/{props['name']}.csv`"
        else:
            where = f"dbt model `{props['name']}` (`dbt_project/{props['original_file_path']}`)"
        return f"{what}\n\n{where}, table `{props['schema']}.{props['alias']}`."

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return OWNERS

    def get_asset_check_spec(
        self,
        asset_spec: AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> AssetCheckSpec | None:
        """One check per tested model: every test of the node collapses into ``dbt_tests``."""
        node_id = asset_spec.metadata["dagster_dbt/unique_id"]
        test = manifest["nodes"][unique_id]
        if node_id not in tested_nodes(test):
            return None  # e.g. a relationships test, attached to the model that holds the key
        node = manifest["nodes"][node_id]
        return AssetCheckSpec(
            DBT_TESTS_CHECK,
            asset=asset_spec.key,
            description="dbt's data tests of this model, run by `dbt build`: fails when any "
            "fails; error severity (blocking) when a primary-key test fails or the model's "
            "contract does not hold, warning otherwise. Lists the failing tests.",
            blocking=bool(key_tests(manifest, node_id)) or is_contracted(node),
            # dagster-dbt needs a test to select when the check is run without its model: one
            # of the model's tests (materialising the model runs them all)
            metadata={"dagster_dbt/unique_id": unique_id},
        )


def tested_nodes(test: Mapping[str, Any]) -> list[str]:
    """The nodes a test is about: the one it is attached to (generic tests), else every node it
    reads (singular tests)."""
    attached = test.get("attached_node")
    return [attached] if attached else list(test["depends_on"]["nodes"])


def tests_of(manifest: Mapping[str, Any], node_id: str) -> Iterator[Mapping[str, Any]]:
    for child in manifest["child_map"].get(node_id, []):
        test = manifest["nodes"].get(child)
        if test and test["resource_type"] == "test" and node_id in tested_nodes(test):
            yield test


def key_tests(manifest: Mapping[str, Any], node_id: str) -> set[str]:
    """Names of the node's primary-key tests: ``unique`` and ``unique_combination_of_columns``,
    and ``not_null`` on a column that is tested ``unique``."""
    tests = list(tests_of(manifest, node_id))
    unique_columns = {t["column_name"] for t in tests if macro_of(t) == "unique"}
    return {
        t["name"]
        for t in tests
        if macro_of(t) in KEY_TESTS
        or (macro_of(t) == "not_null" and t["column_name"] in unique_columns)
    }


def is_contracted(node: Mapping[str, Any]) -> bool:
    return bool(node.get("contract", {}).get("enforced"))


def macro_of(test: Mapping[str, Any]) -> str | None:
    """The generic test a test node instantiates (None for a singular test)."""
    return (test.get("test_metadata") or {}).get("name")


TRANSLATOR = SwsDbtTranslator()


def asset_key_of(node: Mapping[str, Any]) -> AssetKey:
    return TRANSLATOR.get_asset_key(node)
