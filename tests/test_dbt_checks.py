"""dbt's data tests as one ``dbt_tests`` asset check per model: which tests count as primary
keys, the severity of a failure, and a failing test failing its model's check for real."""

from __future__ import annotations

import shutil

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
)

from pipelines.defs.dbt.assets import checks_from_results
from pipelines.defs.dbt.translator import DBT_TESTS_CHECK, key_tests
from pipelines.defs.definitions import build_defs
from pipelines.defs.runs import execute_load
from pipelines.ingest.planning import PlannedRun
from pipelines.warehouse import connect
from tests.conftest import use_home

MODEL = "model.sws.stg_dsf"
OTHER = "model.sws.int_dsf_events"
KEY = AssetKey(["staging", "stg_dsf"])
OTHER_KEY = AssetKey(["intermediate", "int_dsf_events"])
SEED_CHECK = AssetCheckKey(AssetKey(["reference", "orgs"]), DBT_TESTS_CHECK)


def _node(unique_id: str, *, contracted: bool = False) -> dict:
    layer, name = ("staging", "stg_dsf") if unique_id == MODEL else ("intermediate", unique_id[10:])
    return {
        "unique_id": unique_id,
        "resource_type": "model",
        "name": name,
        "fqn": ["sws", layer, name],
        "config": {"schema": layer, "meta": {}},
        "meta": {},
        "contract": {"enforced": contracted},
    }


def _test(name: str, macro: str | None, column: str | None = None, *, on=(MODEL,), attached=True):
    return {
        "unique_id": f"test.sws.{name}",
        "resource_type": "test",
        "name": name,
        "column_name": column,
        "test_metadata": {"name": macro} if macro else None,
        "attached_node": on[0] if attached else None,
        "depends_on": {"nodes": list(on)},
    }


TESTS = [
    _test("unique_stg_dsf_event", "unique", "event_id"),
    _test("not_null_stg_dsf_event", "not_null", "event_id"),  # with unique: the key
    _test("not_null_stg_dsf_org", "not_null", "org"),  # not a key column
    _test("ucc_stg_dsf_org_period_event", "unique_combination_of_columns"),
    _test("accepted_values_stg_dsf_function", "accepted_values", "function_code"),
    _test("relationships_stg_dsf_to_events", "relationships", "event_id", on=(MODEL, OTHER)),
    _test("assert_dsf_matches_events", None, on=(MODEL, OTHER), attached=False),  # singular
]


def _manifest(*, contracted: bool = False) -> dict:
    nodes = {MODEL: _node(MODEL, contracted=contracted), OTHER: _node(OTHER)}
    nodes |= {t["unique_id"]: t for t in TESTS}
    children = {MODEL: [t["unique_id"] for t in TESTS], OTHER: [TESTS[-2]["unique_id"]]}
    children[OTHER].append(TESTS[-1]["unique_id"])
    return {"nodes": nodes, "sources": {}, "child_map": children}


def _results(failing=(), model_status="success") -> list[dict]:
    results = [
        {"unique_id": MODEL, "status": model_status},
        {"unique_id": OTHER, "status": "success"},
    ]
    for test in TESTS:
        status = "skipped" if model_status == "error" else "pass"
        results.append({"unique_id": test["unique_id"], "status": status})
        if test["name"] in failing:
            results[-1]["status"] = "fail"
    return results


SELECTED = [AssetCheckKey(KEY, DBT_TESTS_CHECK), AssetCheckKey(OTHER_KEY, DBT_TESTS_CHECK)]


def _checks(manifest, results, selected=SELECTED) -> dict:
    return {c.asset_key: c for c in checks_from_results(manifest, results, selected)}


def test_primary_key_tests_are_unique_and_not_null_on_a_unique_column():
    assert key_tests(_manifest(), MODEL) == {
        "unique_stg_dsf_event",
        "not_null_stg_dsf_event",
        "ucc_stg_dsf_org_period_event",
    }


def test_every_test_passing_passes_the_check_with_the_count():
    checks = _checks(_manifest(), _results())
    check = checks[KEY]
    assert check.passed
    assert check.metadata["tests"].value == 7  # the singular test counts for both models
    assert check.metadata["passed"].value == 7
    assert check.metadata["failing"].value == "none"
    # generic tests belong to the node they are attached to; a singular one to every parent
    assert checks[OTHER_KEY].metadata["tests"].value == 1


@pytest.mark.parametrize(
    ("failing", "severity"),
    [
        (["unique_stg_dsf_event"], AssetCheckSeverity.ERROR),
        (["not_null_stg_dsf_event"], AssetCheckSeverity.ERROR),
        (["ucc_stg_dsf_org_period_event"], AssetCheckSeverity.ERROR),
        (["not_null_stg_dsf_org"], AssetCheckSeverity.WARN),
        (["accepted_values_stg_dsf_function"], AssetCheckSeverity.WARN),
        (["accepted_values_stg_dsf_function", "unique_stg_dsf_event"], AssetCheckSeverity.ERROR),
    ],
)
def test_a_failing_primary_key_test_is_an_error_any_other_a_warning(failing, severity):
    check = _checks(_manifest(), _results(failing))[KEY]
    assert not check.passed
    assert check.severity == severity
    assert check.metadata["passed"].value == 7 - len(failing)
    listed = check.metadata["failing"].value.splitlines()
    assert [line.split("`")[1] for line in listed] == sorted(failing)
    assert check.metadata["failing_primary_key_tests"].value == sum(
        "(primary key)" in line for line in listed
    )


def test_a_relationships_test_fails_only_the_model_it_is_attached_to():
    checks = _checks(_manifest(), _results(["relationships_stg_dsf_to_events"]))
    assert not checks[KEY].passed
    assert checks[OTHER_KEY].passed


@pytest.mark.parametrize("contracted", [True, False])
def test_a_model_that_did_not_build_fails_its_check_as_an_error(contracted):
    check = _checks(_manifest(contracted=contracted), _results(model_status="error"))[KEY]
    assert not check.passed
    assert check.severity == AssetCheckSeverity.ERROR
    first = check.metadata["failing"].value.splitlines()[0]
    assert first.startswith("- the model did not build")
    assert ("contract" in first) is contracted


def test_only_selected_checks_of_models_that_ran_are_reported():
    assert set(_checks(_manifest(), _results(), [SELECTED[1]])) == {OTHER_KEY}
    nothing_ran = [{"unique_id": MODEL, "status": "skipped"}]
    assert _checks(_manifest(), nothing_ran) == {}


def test_a_failing_dbt_test_fails_its_models_check_in_the_instance(regional, tmp_path):
    """A duplicate event and an event with no person in a copy of the shared warehouse:
    stg_dsf's key test and its columns' not-null test fail, and its check says so, as an
    error, naming the tests and the column with nulls; the models that did build keep
    passing."""
    settings = regional[0]
    with pytest.MonkeyPatch.context() as monkeypatch:
        copy = use_home(monkeypatch, tmp_path / "copy")
        copy.dagster_home.mkdir()
        shutil.copy(settings.warehouse, copy.warehouse)
        shutil.copytree(settings.dbt_target, copy.dbt_target)
        shutil.copy(settings.home / "pseudonym.key", copy.home / "pseudonym.key")
        with connect(copy.warehouse) as con:
            con.execute("insert into returns.dsf (from returns.dsf limit 1)")
            con.execute(
                "update returns.dsf set person_key = null where event_id = "
                "(select max(event_id) from returns.dsf)"
            )
        instance = DagsterInstance.get()
        failed = execute_load(
            build_defs(copy),
            [PlannedRun("build_models", models_of=("dsf",))],
            instance=instance,
            run_config={},
        )
        assert len(failed) == 1  # dbt stops the build at the failing test
        executions = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [
                AssetCheckKey(KEY, DBT_TESTS_CHECK),
                AssetCheckKey(AssetKey(["reference", "orgs"]), DBT_TESTS_CHECK),
            ]
        )
    evaluation = executions[AssetCheckKey(KEY, DBT_TESTS_CHECK)].event.asset_check_evaluation
    assert not evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.ERROR
    failing = evaluation.metadata["failing"].value
    assert "unique_combination_of_columns_stg_dsf_org__event_id" in failing
    assert "(primary key)" in failing
    assert "- `stg_dsf_not_null`: fail: nulls in person_key (1 rows)" in failing.splitlines()
    # the seeds were not rebuilt (only the models downstream of dsf): no check of theirs ran
    assert SEED_CHECK not in executions
