"""The Dagster code location: definitions load, and a partition materialises."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from dagster import AssetKey, DagsterInstance, Definitions, PartitionKeyRange, materialize

from contracts.periods import accepted_periods
from pipelines.dbt_files import last_build_is_current, project_mtime
from pipelines.defs.assets.ingest import (
    CONTRACT_CHECK,
    FILE_VERSIONS,
    ingest_asset_key,
    ingest_assets,
)
from pipelines.defs.dbt.assets import DBT_SCOPE_TAG
from pipelines.defs.partitions import org_period_partitions, slot_key
from pipelines.defs.resources import build_resources
from pipelines.defs.runs import partition_keys, run_tags
from pipelines.ingest import planning
from pipelines.ingest.planning import BUILD_MODELS_JOB, PlannedRun, Scope, plan_load
from pipelines.sample import generate
from pipelines.warehouse import connect

COLLECTIONS = ("star", "ascot", "dsf", "raw", "workforce", "indicators")


def test_definitions_load_with_every_ingest_asset_and_the_dbt_models(definitions):
    defs = definitions
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for collection in COLLECTIONS:
        assert f"returns/{collection}" in keys
        assert f"staging/stg_{collection}" in keys
        assert graph.get(ingest_asset_key(collection)).partitions_def is not None
    staging = graph.get(AssetKey(["staging", "stg_star"]))
    assert ingest_asset_key("star") in staging.parent_keys
    for collection in COLLECTIONS:
        assert defs.resolve_job_def(f"ingest_{collection}")
    assert defs.resolve_job_def("build_models")


def test_every_job_schedule_and_sensor_resolves(definitions):
    defs = definitions
    Definitions.validate_loadable(defs)
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {f"land_{c}" for c in COLLECTIONS} <= jobs
    assert {"build_models", "odb_pack"} <= jobs


def test_partitions_are_org_by_period():
    trusts = org_period_partitions("star")
    indicators = org_period_partitions("indicators")
    periods = len(accepted_periods())
    assert len(trusts.get_partition_keys()) == 5 * periods
    assert len(indicators.get_partition_keys()) == 6 * periods
    assert str(slot_key("REGION", "2025-26-Q1")) in indicators.get_partition_keys()
    assert str(slot_key("REGION", "2025-26-Q1")) not in trusts.get_partition_keys()


def test_a_partition_materialises_with_its_contract_check(sws_home):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.02, seed=5)
    asset = next(a for a in ingest_assets if a.key == ingest_asset_key("workforce"))
    result = materialize(
        [asset],
        partition_key=str(slot_key("NHSCT", "2025-26-Q1")),
        resources=build_resources(sws_home),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    workforce, file_versions = result.asset_materializations_for_node(asset.node_def.name)
    assert file_versions.asset_key == FILE_VERSIONS  # written in the same turn, so recorded
    assert file_versions.metadata["files"].value == 1
    materialization = workforce
    assert materialization.asset_key == asset.key
    assert materialization.partition == "NHSCT|2025-26-Q1"
    assert materialization.metadata["files"].value == 1
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == CONTRACT_CHECK
    assert check.passed
    with connect(sws_home.warehouse, read_only=True) as con:
        loaded = con.sql("select org, period, count(*) n from returns.workforce group by all").pl()
    assert loaded["org"].to_list() == ["NHSCT"]
    assert loaded["n"][0] == materialization.metadata["loaded"].value > 0


def test_a_regional_load_is_one_run_per_return_not_per_file(sws_home):
    generate(sws_home.landing, periods=4, end_period="2025-26-Q4", scale=0.01, seed=5)
    runs = plan_load(sws_home)
    assert [r.job_name for r in runs] == [
        *(f"ingest_{c}" for c in sorted(COLLECTIONS)),
        "build_models",
    ]
    star = next(r for r in runs if r.collection == "star")
    assert len(partition_keys(star)) == 5 * 4
    assert run_tags(star) == {
        "dagster/asset_partition_range_start": "BHSCT|2025-26-Q1",
        "dagster/asset_partition_range_end": "WHSCT|2025-26-Q4",
    }


def test_a_missing_return_splits_the_load_into_blocks_that_cover_exactly_what_landed(sws_home):
    generate(sws_home.landing, periods=3, end_period="2025-26-Q4", scale=0.01, seed=5)
    (sws_home.landing / "dsf" / "dsf_SEHSCT_2025-26-Q3.csv").unlink()
    runs = [r for r in plan_load(sws_home) if r.collection == "dsf"]
    covered = [key for run in runs for key in partition_keys(run)]
    assert len(covered) == len(set(covered)) == 5 * 3 - 1
    assert "SEHSCT|2025-26-Q3" not in covered
    assert len(runs) == 4  # BHSCT-NHSCT, SEHSCT Q2, SEHSCT Q4, SHSCT-WHSCT
    partitions = org_period_partitions("dsf")
    for run in runs:  # what Dagster will run for the tags is exactly the block
        start, end = run_tags(run).values()
        in_range = partitions.get_partition_keys_in_range(PartitionKeyRange(start, end))
        assert [str(k) for k in in_range] == list(partition_keys(run))


def _run_results(target, *statuses: str, which: str = "build"):
    target.mkdir(parents=True, exist_ok=True)
    results = [{"unique_id": f"model.sws.m{i}", "status": s} for i, s in enumerate(statuses)]
    (target / "run_results.json").write_text(
        json.dumps({"args": {"which": which}, "results": results})
    )
    return target / "run_results.json"


def test_only_a_passing_build_of_the_current_project_allows_a_scoped_rebuild(tmp_path):
    assert not last_build_is_current(tmp_path / "never-built")
    assert last_build_is_current(
        _run_results(tmp_path / "ok", "success", "pass", "warn", "no-op").parent
    )
    assert not last_build_is_current(_run_results(tmp_path / "fail", "success", "fail").parent)
    assert not last_build_is_current(_run_results(tmp_path / "err", "error").parent)
    assert not last_build_is_current(_run_results(tmp_path / "parse", which="parse").parent)
    half_written = _run_results(tmp_path / "half", "success")
    half_written.write_text(half_written.read_text()[:20])
    assert not last_build_is_current(half_written.parent)
    old = _run_results(tmp_path / "old", "success")
    os.utime(old, (project_mtime() - 60, project_mtime() - 60))  # built before the code changed
    assert not last_build_is_current(old.parent)


def test_a_scope_is_the_changed_orgs_and_region_from_the_earliest_changed_period():
    slots = [("dsf", "WHSCT", "2025-26-Q3"), ("ascot", "BHSCT", "2025-26-Q4")]
    assert Scope.of(slots) == Scope(("BHSCT", "REGION", "WHSCT"), "2025-26-Q3")
    # periods compare as text in the models: a year boundary sorts as time does
    assert Scope.of([("dsf", "NHSCT", "2025-26-Q1"), ("raw", "NHSCT", "2024-25-Q4")]) == Scope(
        ("NHSCT", "REGION"), "2024-25-Q4"
    )
    # REGION's own return (indicators) changes REGION's rows only
    assert Scope.of([("indicators", "REGION", "2025-26-Q2")]) == Scope(("REGION",), "2025-26-Q2")
    # a Star pair's first reading may be in a later period than its latest: every period
    assert Scope.of([*slots, ("star", "SHSCT", "2025-26-Q4")]) == Scope(
        ("BHSCT", "REGION", "SHSCT", "WHSCT"), None
    )


def test_a_scoped_build_carries_its_scope_and_a_full_build_none():
    scope = Scope(("NHSCT", "REGION"), "2025-26-Q4")
    scoped = PlannedRun(BUILD_MODELS_JOB, models_of=("dsf",), scope=scope)
    assert json.loads(run_tags(scoped)[DBT_SCOPE_TAG]) == {
        "orgs": ["NHSCT", "REGION"],
        "from_period": "2025-26-Q4",
    }
    assert run_tags(PlannedRun(BUILD_MODELS_JOB)) == {}


def test_a_load_after_a_current_build_plans_a_scoped_build(sws_home, monkeypatch):
    changed = {("dsf", "SHSCT", "2025-26-Q4"), ("star", "BHSCT", "2025-26-Q3")}
    slots = {slot: [] for slot in changed}
    monkeypatch.setattr(planning, "last_build_is_current", lambda target: True)
    monkeypatch.setattr(planning, "_loaded_since", lambda con, results: False)
    with connect(sws_home.warehouse):
        pass  # a warehouse without these slots' files
    monkeypatch.setattr(planning, "is_loaded", lambda con, files, **lookups: False)
    *_, build = plan_load(sws_home, slots)
    assert build == PlannedRun(BUILD_MODELS_JOB, models_of=("dsf", "star"), scope=Scope.of(changed))
    monkeypatch.setattr(planning, "last_build_is_current", lambda target: False)
    *_, build = plan_load(sws_home, slots)
    assert build == PlannedRun(BUILD_MODELS_JOB)  # not built with this code: every row


def test_the_definitions_import_none_of_the_packs_libraries_nor_pandera():
    """`sws load` builds the definitions: gptables, scipy and pandas load only when a pack is
    written, pandera only when a contract changed (its description is cached)."""
    from contracts.contract import contract

    contract("star")  # the description cached, as after any check
    heavy = ("gptables", "scipy", "pandas", "pandera")
    code = (
        f"import sys, pipelines.defs.definitions; print([m for m in {heavy} if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_a_load_parses_into_a_new_target_ahead_of_its_build_once(sws_home, monkeypatch):
    """A first load in a home: dbt parses into the home's target while the ingest runs (the
    block), and the build finds it done; a current parse is not done again."""
    from pipelines.defs.dbt import resources

    target = sws_home.dbt_target
    with resources.parse_ahead(target):
        assert list(resources._parsing) == [target]  # running beside the block
        resources.parsed(target)  # what a build waits for
        assert not resources._parsing
        assert (target / resources.PARTIAL_PARSE).exists()
    monkeypatch.setattr(resources, "dbt_cli", lambda: pytest.fail("parsed again"))
    with resources.parse_ahead(target):
        assert not resources._parsing
    os.utime(target / resources.PARTIAL_PARSE, (0, 0))  # older than the project: parse again
    with (
        pytest.raises(pytest.fail.Exception, match="parsed again"),
        resources.parse_ahead(target),
    ):
        pass
