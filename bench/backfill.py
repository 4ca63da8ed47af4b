"""Backfill of 5 Trusts x 8 periods of one return: which way of sharing the single writer is
faster on this machine (issue: a concurrency pool around warehouse writers, or per-partition
staging files and a single writer).

    .venv/bin/python bench/backfill.py [--scale 1.0] [--workers 4]

Three ways, each into a fresh SWS_HOME, printed as wall seconds:

- writer turns: one Dagster run per partition, ``--workers`` processes launching them at once;
  each run waits for the writer lock, then checks, pseudonymises and writes (what parallel
  runs from the UI or the sensor do);
- one ranged run: one Dagster run for the 40 partitions (what `sws load` and a single-run
  backfill do);
- staging files: ``--workers`` processes check and pseudonymise their partitions into Parquet
  files with no lock, then one process writes them all (a prototype for the measurement only:
  it writes the rows, not the file versions or the quarantine).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# the Dagster instance is made once, as the daemon would (parallel first use races in SQLite)
INSTANCE = """
from dagster import DagsterInstance
from pipelines.settings import export_environment, load_settings

export_environment(load_settings())
DagsterInstance.get().dispose()
"""

RUNS = """
import sys
from dagster import DagsterInstance
from pipelines.defs.definitions import build_defs
from pipelines.settings import export_environment, load_settings

settings = load_settings()
export_environment(settings)
job = build_defs(settings).resolve_job_def("ingest_dsf")
for key in sys.argv[1:]:
    assert job.execute_in_process(instance=DagsterInstance.get(), partition_key=key).success
"""

RANGED = """
import sys
from dagster import DagsterInstance
from pipelines.defs.definitions import build_defs
from pipelines.defs.runs import RANGE_END, RANGE_START
from pipelines.settings import export_environment, load_settings

settings = load_settings()
export_environment(settings)
job = build_defs(settings).resolve_job_def("ingest_dsf")
tags = {RANGE_START: sys.argv[1], RANGE_END: sys.argv[-1]}
assert job.execute_in_process(instance=DagsterInstance.get(), tags=tags).success
"""

STAGE = """
import sys
from pathlib import Path
from contracts.files import parse_name
from contracts.validate import check_files
from pipelines.ingest.pseudonyms import load_key, pseudonymise
from pipelines.settings import load_settings
from pipelines.warehouse import slot_rows

settings = load_settings()
key = load_key(settings.home)
for result in check_files([Path(p) for p in sys.argv[2:]]):
    file = parse_name(result.path)
    rows = pseudonymise(result.valid, key=key, org=file.org)
    staged = slot_rows("dsf", rows, org=file.org, period=file.period, version=file.version)
    staged.write_parquet(Path(sys.argv[1]) / f"{file.org}_{file.period}.parquet")
"""

WRITE_STAGED = """
import sys
from pathlib import Path
from pipelines.settings import load_settings
from pipelines.warehouse import connect

with connect(load_settings().warehouse) as con:
    con.execute("begin transaction")
    con.execute(f"insert into returns.dsf by name from read_parquet('{sys.argv[1]}/*.parquet')")
    con.execute("commit")
"""


def _python(code: str, *args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env)


def _timed(processes: list[subprocess.Popen]) -> None:
    codes = [p.wait() for p in processes]
    if any(codes):
        raise SystemExit(f"a worker failed: exit codes {codes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="sample generator scale")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    from pipelines.defs.partitions import slot_key
    from pipelines.sample import generate

    with tempfile.TemporaryDirectory(prefix="sws-backfill-") as work:
        landing = Path(work) / "landing"
        generate(landing, periods=8, end_period="2025-26-Q4", scale=args.scale, seed=6)
        files = sorted((landing / "dsf").glob("*.csv"))
        keys = [str(slot_key(*f.stem.split("_")[1:3])) for f in files]
        rows = sum(len(f.read_text().splitlines()) - 1 for f in files)
        print(f"dsf: {len(files)} partitions, {rows:,} rows, {args.workers} workers")

        def env(name: str) -> dict:
            home = Path(work) / name
            home.mkdir()
            environment = {
                **os.environ,
                "SWS_HOME": str(home),
                "SWS_LANDING": str(landing),
                "DAGSTER_HOME": str(home / "dagster"),
                "SWS_PSEUDO_KEY": "bench",
            }
            _timed([_python(INSTANCE, env=environment)])
            return environment

        ways = {
            "writer turns": lambda e: [
                _python(RUNS, *keys[i :: args.workers], env=e) for i in range(args.workers)
            ],
            "one ranged run": lambda e: [_python(RANGED, *keys, env=e)],
        }
        for name, start in ways.items():
            began = time.perf_counter()
            _timed(start(env(name.replace(" ", "-"))))
            print(f"  {name:<16} {time.perf_counter() - began:7.1f} s")
        staging_env = env("staging")
        staged = Path(work) / "staged"
        staged.mkdir()
        began = time.perf_counter()
        paths = [str(f) for f in files]
        _timed(
            [
                _python(STAGE, str(staged), *paths[i :: args.workers], env=staging_env)
                for i in range(args.workers)
            ]
        )
        _timed([_python(WRITE_STAGED, str(staged), env=staging_env)])
        print(f"  {'staging files':<16} {time.perf_counter() - began:7.1f} s")


if __name__ == "__main__":
    main()
