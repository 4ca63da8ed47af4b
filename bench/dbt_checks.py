"""How to show dbt's tests in Dagster: what each design costs a ``build_models`` run.

    .venv/bin/python bench/dbt_checks.py [--periods 4 20] [--scale 4.75] [--repeat 2] [--keep DIR]

The defaults are SF1 and SF5 of ``bench/run.py`` (one and five NI years). For each workload
(``sws sample --periods N --scale F``, loaded once with ``sws load``) it runs the
``build_models`` job (``dbt build``: seeds, models, tests) in a fresh process per run, on the
same instance, with the dbt tests shown three ways:

- ``observations``: one observation per tested model listing its tests (the design before);
- ``per_model``: one ``dbt_tests`` asset check per tested model (the design kept);
- ``per_test``: one asset check per dbt test (dagster-dbt's default, ~240 checks).

It prints per design the wall and CPU time of the run and the Dagster events it wrote (every
event is a commit with the instance in SQLite). Runs are interleaved (o, m, t, o, m, t, ...)
so that load from other processes spreads over the designs alike; the fastest run is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SWS = str(Path(sys.executable).with_name("sws"))
DESIGNS = ("observations", "per_model", "per_test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", type=int, nargs="+", default=[4, 20])
    parser.add_argument("--scale", type=float, default=4.75, help="4.75: an NI year's rows")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the homes here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="sws-dbt-checks-"))
    results = {}
    try:
        for periods in args.periods:
            home = root / f"p{periods}"
            env = _environment(home)
            _run([SWS, "sample", "--periods", str(periods), "--scale", str(args.scale)], env)
            _run([SWS, "load"], env)
            runs = defaultdict(list)
            for _ in range(args.repeat):
                for design in DESIGNS:
                    out = _run([sys.executable, __file__, "_build", design], env)
                    runs[design].append(json.loads(out.splitlines()[-1]))
            results[f"{periods} periods x scale {args.scale}"] = {
                design: min(measured, key=lambda m: m["wall_s"])
                | {"walls": [m["wall_s"] for m in measured]}
                for design, measured in runs.items()
            }
            print(json.dumps(results, indent=1), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def _environment(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "SWS_HOME": str(home),
        "SWS_LANDING": str(home / "landing"),
        "DAGSTER_HOME": str(home / "dagster"),
        "SWS_PSEUDO_KEY": "bench-pseudonym-key-not-a-secret",
    }


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"{command} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def _build(design: str) -> None:
    """One build_models run with ``design``; prints its measurements as one JSON line."""
    from dagster import DagsterInstance
    from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

    import pipelines.defs.dbt.assets as dbt_assets_module
    from pipelines.defs.dbt.resources import prepare_manifest
    from pipelines.defs.dbt.translator import SwsDbtTranslator
    from pipelines.defs.definitions import build_defs
    from pipelines.settings import export_environment, load_settings

    if design == "per_test":

        class PerTest(SwsDbtTranslator):
            get_asset_check_spec = DagsterDbtTranslator.get_asset_check_spec

        dbt_assets_module.TRANSLATOR = PerTest(
            DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True)
        )
    elif design == "observations":

        class NoChecks(SwsDbtTranslator):
            def get_asset_check_spec(self, *args, **kwargs):
                return None

        dbt_assets_module.TRANSLATOR = NoChecks()
        dbt_assets_module.dbt_test_checks = _observations_per_model

    settings = load_settings()
    export_environment(settings)
    prepare_manifest()
    defs = build_defs(settings)
    job = defs.resolve_job_def("build_models")
    instance = DagsterInstance.get()
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(
        a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime
        for a, b in zip(after, before, strict=True)
    )
    events = Counter(
        record.event_log_entry.dagster_event.event_type_value
        for record in instance.get_records_for_run(result.run_id, limit=100_000).records
        if record.event_log_entry.dagster_event
    )
    print(
        json.dumps(
            {
                "design": design,
                "success": result.success,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "events": sum(events.values()),
                "check_events": events["ASSET_CHECK_EVALUATION"]
                + events["ASSET_CHECK_EVALUATION_PLANNED"],
                "observations": events["ASSET_OBSERVATION"],
            }
        )
    )


def _observations_per_model(invocation, selected, database=None):
    """The design before: one observation per tested model listing its tests."""
    from dagster import AssetObservation, MetadataValue

    from pipelines.defs.dbt.translator import asset_key_of

    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except FileNotFoundError:
        return
    resources = {**invocation.manifest["sources"], **invocation.manifest["nodes"]}
    tested = defaultdict(dict)
    for result in results:
        test = resources.get(result["unique_id"], {})
        if test.get("resource_type") != "test":
            continue
        for parent in filter(None, map(resources.get, test["depends_on"]["nodes"])):
            tested[asset_key_of(parent)][test["name"]] = result["status"]
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


if __name__ == "__main__":
    if sys.argv[1:2] == ["_build"]:
        _build(sys.argv[2])
    else:
        main()
