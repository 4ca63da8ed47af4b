"""``sws load`` end to end: sample returns -> Dagster ingest runs -> warehouse -> dbt."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance

from contracts.files import parse_name
from contracts.readers import read_return
from pipelines.cli import main
from pipelines.dbt_files import DBT_PROJECT_DIR, dbt_vars
from pipelines.defs.definitions import build_defs
from pipelines.defs.partitions import slot_key
from pipelines.defs.runs import execute_load
from pipelines.ingest.planning import BUILD_MODELS_JOB, PlannedRun, plan_load
from pipelines.warehouse import connect
from tests.conftest import SwsRun

# the Dagster definitions are built from the dbt manifest
pytestmark = pytest.mark.usefixtures("dbt_manifest")

COLLECTIONS = ("star", "ascot", "dsf", "raw", "workforce", "indicators")


def _outcomes(settings) -> list[dict]:
    from pipelines.ingest.file_versions import summarise

    with connect(settings.warehouse, read_only=True) as con:
        return [o.as_json() for o in summarise(con, settings.landing)]


def _query(settings, sql: str, params=None) -> list[tuple]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_file_is_loaded_and_accounted_for(regional):
    settings, report, status, _ = regional
    outcomes = _outcomes(settings)
    assert status == 1  # planted faults: some rows quarantined
    assert len(outcomes) == len(report.files)
    assert {o["collection"] for o in outcomes} == set(COLLECTIONS)
    formats = {parse_name(settings.landing / f.path).format for f in report.files}
    assert formats == {"csv", "xlsx", "parquet"}
    for outcome in outcomes:
        assert outcome["refused"] is None
        assert outcome["rows"] == outcome["loaded"] + outcome["quarantined"], outcome
        [(in_table,)] = _query(
            settings,
            f"select count(*) from returns.{outcome['collection']} where org = ? and period = ?",
            [outcome["org"], outcome["period"]],
        )
        assert in_table == outcome["loaded"], outcome


def test_rows_in_file_match_rows_reported(regional):
    settings, report, _, _ = regional
    by_file = {o["file"]: o for o in _outcomes(settings)}
    for sample_file in report.files:
        path = settings.landing / sample_file.path
        assert by_file[path.name]["rows"] == read_return(parse_name(path)).height


def test_planted_faults_are_quarantined_with_their_rule(regional):
    settings, report, _, _ = regional
    assert report.faults, "the sample planted no faults"
    quarantined = set(
        _query(settings, 'select file_name, "row", "column", rule from ingest.quarantine')
    )
    for fault in report.faults:
        name = fault.file.rsplit("/", 1)[-1]
        assert (name, fault.row, fault.column, fault.rule) in quarantined, fault


def _as(path):
    """An archived file (``<digest>_<name>``) read as the return its name says."""
    file = parse_name(path.with_name(path.name.split("_", 1)[1]))
    return type(file)(path, file.collection, file.org, file.period, file.version)


def test_no_identifier_anywhere_in_the_warehouse(regional):
    settings, _, _, _ = regional
    hcns, workers = set(), set()
    for path in sorted(settings.archive.rglob("*.*")):
        frame = read_return(_as(path))
        for column, found in (("hcn", hcns), ("worker_id", workers)):
            if column in frame.columns:
                found |= set(frame[column].drop_nulls().to_list())
    assert len(hcns) > 100 and len(workers) > 100
    hcn_pattern = "|".join(sorted(h for h in hcns if len(h) >= 6))
    with connect(settings.warehouse, read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        assert len(columns) > 50
        for schema, table, column in columns:
            values = set(
                v
                for (v,) in con.execute(
                    f'select distinct "{column}" from "{schema}"."{table}"'
                ).fetchall()
                if v is not None
            )
            assert not values & hcns, f"hcn in {schema}.{table}.{column}"
            assert not values & workers, f"worker_id in {schema}.{table}.{column}"
            texts = pl.Series(sorted(values), dtype=pl.String)
            assert not texts.str.contains(hcn_pattern).any(), f"hcn in {schema}.{table}.{column}"


def test_no_identifier_in_logs_or_dagster_storage(regional):
    settings, _, _, _ = regional
    hcns = set()
    for path in sorted(settings.archive.rglob("*.*")):
        frame = read_return(_as(path))
        if "hcn" in frame.columns:
            hcns |= set(frame["hcn"].drop_nulls().to_list())
    stored = [p for p in settings.home.rglob("*") if p.is_file() and "archive" not in p.parts]
    stored = [p for p in stored if p.suffix != ".duckdb" and "landing" not in p.parts]
    assert any(p.suffix == ".db" for p in stored), "no Dagster storage found"
    for path in stored:
        content = path.read_bytes()
        leaked = [h for h in hcns if h.encode() in content]
        assert not leaked, f"{len(leaked)} hcn found in {path}"


def test_failures_show_only_the_org_asked_for(regional, sws):
    settings, _, _, _ = regional
    orgs = {o for (o,) in _query(settings, "select distinct org from ingest.quarantine")}
    assert len(orgs) >= 2, "the sample should quarantine rows of several Trusts"
    for org in sorted(orgs):
        run: SwsRun = sws("failures", "--org", org)
        assert run.status == 0
        frame = pl.read_csv(run.out.encode(), infer_schema=False)
        assert frame.height > 0
        assert frame["file"].str.contains(f"_{org}_").all()
        [(expected,)] = _query(
            settings,
            "select count(*) from ingest.quarantine q join ingest.file_versions f "
            "using (collection, org, period, version) where f.is_current and q.org = ?",
            [org],
        )
        assert frame.height == expected


def test_failures_to_csv_file_and_unknown_org(regional, sws, tmp_path):
    out = tmp_path / "bh.csv"
    run = sws("failures", "--org", "BHSCT", "--period", "2025-26-Q4", "--out", out)
    assert run.status == 0
    frame = pl.read_csv(out, infer_schema=False)
    assert set(frame.columns) >= {"collection", "period", "file", "row", "column", "rule", "value"}
    assert (frame["period"] == "2025-26-Q4").all()
    bad = sws("failures", "--org", "NOWHERE")
    assert bad.status == 2
    assert "unknown org 'NOWHERE'" in bad.err


def _snapshot(settings) -> dict[str, list[tuple]]:
    with connect(settings.warehouse, read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('returns', 'ingest') order by all"
        ).fetchall()
        return {
            f"{s}.{t}": sorted(con.execute(f"from {s}.{t}").fetchall(), key=repr) for s, t in tables
        }


def test_a_second_identical_load_changes_nothing(regional, sws):
    settings, _, _, _ = regional
    before = _snapshot(settings)
    assert plan_load(settings) == []  # no ingest run, and the models are current: no build
    again = sws("load", "--json")
    assert again.status == 1
    after = _snapshot(settings)
    # the landed files' digests may grow: these tests land and load files within the second
    # a digest needs to be kept (landing.SETTLED_NS), so a later load records what it read
    digests = "ingest.landed_digests"
    assert set(before.pop(digests)) <= set(after.pop(digests))
    assert after == before
    assert again.json_lines() == _outcomes(settings)


@pytest.fixture(scope="module")
def changed(regional):
    """A resubmission, a nil return and two refused files land together; one more load.

    (One load for the three cases: a load with dbt costs tens of seconds.)
    """
    settings = regional[0]

    v1 = sorted((settings.landing / "dsf").glob("dsf_SHSCT_*.csv"))[-1]
    v2 = v1.with_name(v1.name.replace(".csv", "_v2.csv"))
    read_return(parse_name(v1)).head(5).write_csv(v2)
    template = sorted((settings.landing / "star").glob("star_WHSCT_*.csv"))[0]
    nil = settings.landing / "star" / "star_WHSCT_2023-24-Q1.csv"
    nil.write_text(template.read_text(encoding="utf-8-sig").splitlines()[0] + "\n")
    bad_org = settings.landing / "ascot" / "ascot_NOWHERE_2025-26-Q1.csv"
    bad_org.write_text("assessment_id\n1\n")
    missing = settings.landing / "raw" / "raw_BHSCT_2023-24-Q2.csv"
    missing.write_text("response_id,hcn\nX,1\n")
    capture = io.StringIO()
    with redirect_stdout(capture):
        status = main(["load", "--json"])
    lines = {json.loads(line)["file"]: json.loads(line) for line in capture.getvalue().splitlines()}
    yield {"status": status, "lines": lines, "v1": v1, "v2": v2, "nil": nil}
    for path in (bad_org, missing):  # leave the landing folder loadable for the tests that follow
        path.unlink()


def test_a_higher_version_supersedes_and_the_earlier_stays_archived(regional, changed):
    settings, _, _, _ = regional
    v1, v2, lines = changed["v1"], changed["v2"], changed["lines"]
    file = parse_name(v1)
    assert lines[v1.name]["superseded"] is True
    assert lines[v2.name]["superseded"] is False
    assert lines[v2.name]["version"] == 2
    assert lines[v2.name]["rows"] == 5
    assert lines[v2.name]["loaded"] + lines[v2.name]["quarantined"] == 5
    loaded = _query(
        settings,
        "select distinct version from returns.dsf where org = ? and period = ?",
        [file.org, file.period],
    )
    assert loaded == [(2,)]
    archived = sorted(p.name.split("_", 1)[1] for p in (settings.archive / "dsf").iterdir())
    assert v1.name in archived and v2.name in archived
    current = _query(
        settings,
        "select version, is_current from ingest.file_versions "
        "where collection = 'dsf' and org = ? and period = ? order by version",
        [file.org, file.period],
    )
    assert current == [(1, False), (2, True)]


MARTS = (
    "breakdowns",
    "outcome1",
    "outcome2",
    "outcome3",
    "outcome4",
    "return_quality",
    "return_quality_measures",
)


def _marts(settings) -> dict[str, list[tuple]]:
    with connect(settings.warehouse, read_only=True) as con:
        [names] = con.execute(
            "select list(table_name order by table_name) from duckdb_tables() "
            "where schema_name = 'marts'"
        ).fetchone()
        assert tuple(names) == MARTS
        return {m: sorted(con.execute(f"from marts.{m}").fetchall(), key=repr) for m in MARTS}


def _last_run_of(instance, asset: str) -> str:
    event = instance.get_latest_materialization_event(AssetKey(asset.split("/")))
    return event.run_id


def _land_next_version(settings, collection: str, org: str, period: str, change) -> None:
    """Land the next version of a loaded return with ``change`` applied to its rows (text)."""
    files = [parse_name(p) for p in (settings.landing / collection).iterdir()]
    slot = (collection, org, period)
    current = max((f for f in files if f.slot == slot), key=lambda f: f.version)
    next_version = f"{collection}_{org}_{period}_v{current.version + 1}.csv"
    change(read_return(current)).write_csv(current.path.with_name(next_version))


def _first_readings_changed(rows: pl.DataFrame) -> pl.DataFrame:
    """Every first reading scores lower; the last two readings are gone (fewer people in
    the period: a baseline value changes)."""
    gone = rows["reading_id"].unique(maintain_order=True).tail(2).implode()
    first = pl.col("reading_number") == "1"
    lower = (pl.col("score").cast(pl.Int64) - 3).clip(1, 10).cast(pl.String)
    return rows.filter(~pl.col("reading_id").is_in(gone)).with_columns(
        pl.when(first).then(lower).otherwise(pl.col("score")).alias("score")
    )


def _some_completed_dates_blank(rows: pl.DataFrame) -> pl.DataFrame:
    """Five events completed before are open now (every row still valid)."""
    done = rows.with_row_index("i").filter(pl.col("completed_date") != "")["i"].head(5)
    return (
        rows.with_row_index("i")
        .with_columns(
            pl.when(pl.col("i").is_in(done.implode()))
            .then(pl.lit(""))
            .otherwise(pl.col("completed_date"))
            .alias("completed_date")
        )
        .drop("i")
    )


def _periods(settings, collection: str, org: str) -> list[str]:
    files = [parse_name(p) for p in (settings.landing / collection).iterdir()]
    return sorted({f.period for f in files if f.org == org})


def _resubmit_first_star_readings(settings) -> tuple[str, str | None, tuple[str, ...]]:
    """A Star return of the first period (the baseline period) with its first readings changed:
    every later period's progress pairs compare against them."""
    first = _periods(settings, "star", "BHSCT")[0]
    _land_next_version(settings, "star", "BHSCT", first, _first_readings_changed)
    # Star reaches back: every period of the org
    return "('BHSCT', 'REGION')", None, ("stg_star",)


def _resubmit_a_later_period(settings) -> tuple[str, str | None, tuple[str, ...]]:
    """A DSF return of the last period only: rows before it stay as they were."""
    last = _periods(settings, "dsf", "NHSCT")[-1]
    _land_next_version(settings, "dsf", "NHSCT", last, _some_completed_dates_blank)
    return "('NHSCT', 'REGION')", last, ("stg_dsf", "int_dsf_events")


# each resubmission: the orgs and first period of its scoped rebuild, and the models of the
# returns it changed that are rebuilt by slot (every measure model is)
RESUBMISSIONS = {
    # the `changed` load: dsf (SHSCT, last period), a nil Star return (WHSCT, a first period)
    # and a RAW return refused for its content (BHSCT: a refused version is a return quality)
    "dsf and a nil Star return": lambda settings: (
        "('BHSCT', 'REGION', 'SHSCT', 'WHSCT')",
        None,
        ("stg_dsf", "int_dsf_events", "stg_star", "stg_raw"),
    ),
    "first Star readings and the baseline period": _resubmit_first_star_readings,
    "a later period only": _resubmit_a_later_period,
}


@pytest.mark.parametrize("resubmission", RESUBMISSIONS)
def test_a_resubmission_rebuilds_only_the_models_downstream_of_it(
    regional, changed, resubmission, capsys
):
    """A load of a resubmission rebuilds the chains of the returns it changed and the marts,
    nothing else, and of the measure models and the changed returns' staging only the rows it
    can change: the orgs it changed and REGION, from its period on (Star: every period). Its
    marts, and every other model, equal those of a full rebuild."""
    settings = regional[0]
    instance = DagsterInstance.get()
    orgs, from_period, by_slot = RESUBMISSIONS[resubmission](settings)
    if resubmission != "dsf and a nil Star return":  # the `changed` fixture loaded that one
        # 2: the two files the `changed` load refused are still in the landing folder
        assert main(["load"]) == 2
        assert "building the dbt models downstream of" in capsys.readouterr().err
    scoped_run = _last_run_of(instance, "marts/outcome2")
    if resubmission == "dsf and a nil Star return":
        assert _last_run_of(instance, "staging/stg_star") == scoped_run
    assert _last_run_of(instance, "staging/stg_ascot") != scoped_run
    assert _last_run_of(instance, "reference/orgs") != scoped_run
    # the incremental measure models replaced the rows of the scope, and only those
    rebuilt = settings.dbt_target / "run" / "sws" / "models"
    measures = ("int_outcome1_measures", "int_outcome3_measures", "int_breakdown_measures")
    for model in (*measures, *by_slot):
        [sql] = [path.read_text() for path in rebuilt.glob(f"*/{model}.sql")]
        assert "delete from" in sql
        org_term = f"org in {orgs}"
        assert (org_term in sql) == (model != "int_breakdown_measures"), model
        assert (f"period >= '{from_period}'" in sql) == (from_period is not None), model
    scoped = _marts(settings)
    built = _models(settings)
    failed = execute_load(
        build_defs(settings), [PlannedRun(BUILD_MODELS_JOB)], instance=instance, run_config={}
    )
    assert failed == []
    assert _last_run_of(instance, "staging/stg_ascot") != scoped_run  # the full build ran
    assert "delete from" not in (rebuilt / "intermediate" / "int_outcome1_measures.sql").read_text()
    assert _marts(settings) == scoped
    # bit for bit, every model: sums are exact, so no digit depends on the order of a sum
    assert _models(settings) == built


def _models(settings) -> dict[str, list[tuple]]:
    """Every table dbt built, every value as stored (floats compared by their bits)."""
    with connect(settings.warehouse, read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name not in ('returns', 'ingest', 'usage') order by all"
        ).fetchall()
        assert len(tables) > 20
        return {
            f"{s}.{t}": sorted(map(repr, con.execute(f'from "{s}"."{t}"').fetchall()))
            for s, t in tables
        }


def test_dbt_tests_are_reported_as_one_check_per_model(regional):
    instance = DagsterInstance.get()
    key = AssetCheckKey(AssetKey(["marts", "outcome1"]), "dbt_tests")
    execution = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
    evaluation = execution.event.asset_check_evaluation
    assert evaluation.passed
    assert evaluation.metadata["tests"].value == evaluation.metadata["passed"].value > 5
    assert evaluation.metadata["failing"].value == "none"
    # no observation per test, nor one per model any more
    assert not instance.fetch_observations(AssetKey(["marts", "outcome1"]), limit=1).records


def test_a_ranged_ingest_run_plans_one_event_for_its_partitions(regional):
    """`sws load` plans a run's partitions in one event (each is a SQLite write); each
    partition is still materialised on its own, and the switch ends with the load."""
    from dagster import DagsterEventType

    from pipelines.cli import PLANNED_AS_SUBSETS

    instance = DagsterInstance.get()
    star = AssetKey(["returns", "star"])

    def plans_of(run):
        return [
            record.event_log_entry.dagster_event.event_specific_data
            for record in instance.get_records_for_run(
                run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED
            ).records
            if record.event_log_entry.dagster_event.asset_key == star
        ]

    first = next(r for r in reversed(instance.get_runs()) if plans_of(r))  # the first load's
    star_plans = plans_of(first)
    settings, report, _, _ = regional
    files = [parse_name(settings.landing / f.path) for f in report.files]
    landed = {(f.org, f.period) for f in files if f.collection == "star"}  # the first load's
    assert len(star_plans) == 1 and star_plans[0].partition is None
    assert len(star_plans[0].partitions_subset.get_partition_keys()) == len(landed) > 1
    materialised = instance.get_records_for_run(
        first.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
    ).records
    partitions = [r.event_log_entry.dagster_event.partition for r in materialised]
    assert len([p for p in partitions if p]) == len(landed)
    assert PLANNED_AS_SUBSETS not in os.environ
    # stored in one batch (pipelines/defs/event_storage.py), and indexed across runs like one
    indexed = instance.fetch_materializations(star, limit=1000).records
    assert sorted(r.partition_key for r in indexed if r.run_id == first.run_id) == sorted(
        str(slot_key(org, period)) for org, period in landed
    )


def test_a_nil_return_loads_no_rows(regional, changed):
    settings, _, _, _ = regional
    nil = changed["nil"]
    line = changed["lines"][nil.name]
    assert (line["rows"], line["loaded"], line["quarantined"], line["refused"]) == (0, 0, 0, None)
    recorded = _query(
        settings,
        "select rows, is_current from ingest.file_versions where file_name = ?",
        [nil.name],
    )
    assert recorded == [(0, True)]


def test_a_refused_file_is_reported_and_exits_2(changed, sws):
    lines = changed["lines"]
    assert changed["status"] == 2
    bad = "ascot_NOWHERE_2025-26-Q1.csv"
    assert lines[bad]["refused"] == f"{bad}: unknown org 'NOWHERE'"
    missing = "raw_BHSCT_2023-24-Q2.csv"
    assert lines[missing]["refused"].startswith(f"{missing}: missing mandatory column ")
    failures = sws("failures", "--org", "BHSCT", "--period", "2023-24-Q2")
    assert "refused" in failures.out and "missing mandatory column" in failures.out


def test_warehouse_is_readable_by_analysts(regional):
    settings, _, _, _ = regional
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        staged = {
            c: con.execute(f"select count(*) from staging.stg_{c}").fetchall()[0][0]
            for c in COLLECTIONS
        }
        loaded = {
            c: con.execute(f"select count(*) from returns.{c}").fetchall()[0][0]
            for c in COLLECTIONS
        }
    finally:
        con.close()
    assert staged == loaded
    assert all(v > 0 for v in loaded.values())


def test_archive_is_owner_only(regional):
    settings, _, _, _ = regional
    modes = {p.stat().st_mode & 0o777 for p in settings.archive.rglob("*") if p.is_file()}
    assert modes == {0o600}


def test_load_without_landing_folder_exits_2(sws_home, sws):
    shutil.rmtree(sws_home.landing)
    run = sws("load")
    assert run.status == 2
    assert run.err.startswith("sws load: no landing folder at ")


def test_a_warehouse_held_by_another_program_is_one_clear_line(sws_home, sws):
    import subprocess
    import sys

    from pipelines.warehouse import connect as open_warehouse

    with open_warehouse(sws_home.warehouse):
        pass  # create it
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); "
            "time.sleep(60)",
            str(sws_home.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        run = sws("failures", "--org", "BHSCT")
        assert run.status == 2
        assert run.err.strip() == (
            f"sws failures: the warehouse {sws_home.warehouse} is held by another process"
        )
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(
    ("scope", "refused"),
    [
        ({"orgs": ["BHSCT", "REGION"], "from_period": "2025-26-Q4"}, None),
        ({"orgs": ["BHSCT') or ('1' = '1"], "from_period": None}, "BHSCT') or ('1' = '1"),
        ({"orgs": ["bhsct"], "from_period": None}, "bhsct"),
        ({"orgs": ["BHSCT"], "from_period": "2025-26-Q5"}, "2025-26-Q5"),
    ],
)
def test_the_scope_reaches_sql_only_as_org_codes_and_periods(regional, tmp_path, scope, refused):
    """dbt_project/macros/scope.sql writes the load's scope into SQL: anything in it but an
    org code or a period stops the build, before any SQL runs."""
    settings = regional[0]
    env = {**os.environ, "SWS_HOME": str(settings.home), "SWS_DBT_SCOPE": json.dumps(scope)}
    dbt = Path(sys.executable).with_name("dbt")
    project = ("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR))
    target = ("--target-path", str(tmp_path))
    result = subprocess.run(
        [str(dbt), "compile", "--select", "int_dsf_events", *project, *target, *dbt_vars()],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if refused is None:
        assert result.returncode == 0, result.stdout
        [sql] = [p.read_text() for p in tmp_path.glob("compiled/**/int_dsf_events.sql")]
        assert "org in ('BHSCT', 'REGION')" in sql
        assert "period >= '2025-26-Q4'" in sql
    else:
        assert result.returncode != 0
        assert f"SWS_DBT_SCOPE: not an org or period: {refused}" in result.stdout


def _dbt(command: str, home: Path, target: Path, scope: dict | None, *selection: str):
    env = {k: v for k, v in os.environ.items() if k != "SWS_DBT_SCOPE"}
    env["SWS_HOME"] = str(home)
    if scope is not None:
        env["SWS_DBT_SCOPE"] = json.dumps(scope)
    dbt = Path(sys.executable).with_name("dbt")
    options = ("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR))
    options += ("--target-path", str(target), *dbt_vars())
    return subprocess.run(
        [str(dbt), command, "--select", *selection, *options],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


SCOPE = {"orgs": ["NHSCT", "REGION"], "from_period": "2025-26-Q4"}
IN_SCOPE = "org in ('NHSCT', 'REGION') and period >= '2025-26-Q4'"


def test_after_a_resubmission_a_test_checks_the_rows_it_could_change(regional, tmp_path):
    """A data test of an incremental model checks the rows in the load's scope (the rest passed
    the last build unchanged); a key's test by the scope's columns in the key; a test of a
    model built whole, and every test of a full build, all rows (macros/scope.sql)."""
    settings = regional[0]
    models = ("stg_dsf", "int_dsf_events", "int_breakdown_measures", "outcome3")
    compiled = {}
    for scope in (SCOPE, None):
        target = tmp_path / ("scoped" if scope else "whole")
        result = _dbt("compile", settings.home, target, scope, *models)
        assert result.returncode == 0, result.stdout
        tests = list((target / "compiled" / "sws" / "models").glob("**/*.yml/*.sql"))
        # model -> its tests' SQL, by test name
        compiled[bool(scope)] = {
            model: {p.stem: p.read_text() for p in tests if p.parent.stem == model}
            for model in models
        }
    scoped, whole = compiled[True], compiled[False]
    assert all(scoped[model] for model in models)
    assert not any("dbt_subquery" in sql for tests in whole.values() for sql in tests.values())

    def where(model: str, test: str = "") -> set[str | None]:
        found = [
            re.search(r"\(select \* from \S+ where (.*?)\) dbt_subquery", sql, re.S)
            for name, sql in scoped[model].items()
            if name.startswith(test)
        ]
        assert found
        return {match and " ".join(match.group(1).split()) for match in found}

    assert where("stg_dsf", "stg_dsf_not_null") == {IN_SCOPE}  # row by row
    assert where("stg_dsf", "unique_combination_of_columns_stg_dsf_org__period__") == {IN_SCOPE}
    # unique within the org across its periods: every period of the scope's orgs
    assert where("stg_dsf", "unique_combination_of_columns_stg_dsf_org__event_id") == {
        "org in ('NHSCT', 'REGION')"
    }
    # to a seed: the checked side only
    [relationship] = [
        sql for name, sql in scoped["int_dsf_events"].items() if name.startswith("relationships")
    ]
    assert relationship.count("dbt_subquery") == 1 and IN_SCOPE in relationship
    # REGION's rows only: no org column
    assert where("int_breakdown_measures") == {"period >= '2025-26-Q4'"}
    # a mart is built whole: all its rows
    assert where("outcome3") == {None}


@pytest.mark.parametrize(
    ("planted", "scope", "outcome"),
    [
        # a duplicate event in NHSCT's last period: in the scope, found; outside it, left to
        # the full build that tested it; with no scope, found
        ("same period", SCOPE, {"org__period__event_id": "fail", "org__event_id": "warn"}),
        ("same period", {**SCOPE, "orgs": ["BHSCT", "REGION"]}, {}),
        ("same period", None, {"org__period__event_id": "fail", "org__event_id": "warn"}),
        # the event reused in the org's first period: the scope reaches every period of the org
        ("earlier period", SCOPE, {"org__event_id": "warn"}),
        ("earlier period", {**SCOPE, "from_period": "2025-26-Q3"}, {"org__event_id": "warn"}),
    ],
)
def test_a_scoped_test_still_finds_a_fault_in_its_scope(
    regional, tmp_path, planted, scope, outcome
):
    settings = regional[0]
    home = tmp_path / "sws"
    (home / "work").mkdir(parents=True)
    shutil.copy(settings.warehouse, home / "work" / "warehouse.duckdb")
    with duckdb.connect(str(home / "work" / "warehouse.duckdb")) as con:
        [(first,)] = con.execute(
            "select min(period) from staging.stg_dsf where org = 'NHSCT'"
        ).fetchall()
        period = "'2025-26-Q4'" if planted == "same period" else f"'{first}'"
        con.execute(
            "insert into staging.stg_dsf select * replace (" + period + " as period) "
            "from staging.stg_dsf where org = 'NHSCT' and period = '2025-26-Q4' limit 1"
        )
    result = _dbt("test", home, tmp_path / "target", scope, "stg_dsf")
    statuses = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    found = {
        r["unique_id"].split("stg_dsf_")[1].split(".")[0]: r["status"]
        for r in statuses
        if r["status"] != "pass"
    }
    assert found == outcome, result.stdout
