"""``sws``, the command line of interface.md.

Exit status 0 success, 1 the data failed a check, 2 the command could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from contracts import reference

OK, DATA_FAILED, COULD_NOT_RUN = 0, 1, 2


class CommandError(Exception):
    """The command could not run; the message is its one line."""


def main(argv: Sequence[str] | None = None) -> int:
    from pipelines.warehouse import WarehouseBusy

    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except (CommandError, WarehouseBusy) as error:
        print(f"sws {args.name}: {error}", file=sys.stderr)
        return COULD_NOT_RUN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sws", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name, handler, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(command=handler, name=name)
        return sub

    validate = command("validate", _validate, "check returns against their contracts (no loading)")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--json", action="store_true", help="one JSON object per file")

    load = command("load", _load, "load the landing folder through Dagster, then build the models")
    load.add_argument("--landing", type=Path, help="default: $SWS_LANDING or $SWS_HOME/landing")
    load.add_argument("--json", action="store_true", help="one JSON object per file")

    failures = command("failures", _failures, "one org's quarantined rows and refused files")
    failures.add_argument("--org", required=True)
    failures.add_argument("--period")
    failures.add_argument("--out", type=Path, help="write CSV here instead of printing")

    extract = command("extract", _extract, "write the ODB extract pack for a period")
    extract.add_argument("--period", required=True)
    extract.add_argument("--out", type=Path, help="default: $SWS_HOME/extracts/<PERIOD>")
    extract.add_argument("--for", dest="consumer", default="ODB", metavar="CONSUMER")

    cull = command("cull-report", _cull_report, "collected items no used output needs")
    cull.add_argument("--out", type=Path, help="default: $SWS_HOME/cull_report.csv")

    status = command("status", _status, "expected returns of a period against what arrived")
    status.add_argument("--period", help="default: the latest period anything arrived for")
    status.add_argument("--json", action="store_true", help="one JSON object per return")

    sample = command("sample", _sample, "write deterministic sample returns (landing layout)")
    sample.add_argument("--out", type=Path, help="default: the landing folder")
    sample.add_argument("--periods", type=int, default=8)
    sample.add_argument("--end-period", default="2025-26-Q4")
    sample.add_argument("--scale", type=float, default=1.0)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--bad-rows", type=float, default=0.0, help="share of rows to spoil")

    command("ui", _ui, "open the Dagster UI (dagster dev) on this warehouse")
    return parser


# -- validate ---------------------------------------------------------------------------


def _validate(args) -> int:
    from contracts.validate import check_files

    for path in args.files:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
    status = OK
    for result in check_files(args.files):  # a collection's files in one pass of each rule
        if args.json:
            print(json.dumps(_validation_json(result)))
        else:
            _print_validation(result)
        if result.refused:
            status = COULD_NOT_RUN
        elif result.failed and status == OK:
            status = DATA_FAILED
    return status


def _validation_json(result) -> dict:
    file = result.file
    return {
        "file": str(result.path),
        "collection": file and file.collection,
        "org": file and file.org,
        "period": file and file.period,
        "version": file and file.version,
        "rows": result.rows,
        "passed": result.passed,
        "failed": result.failed,
        "refused": result.refused,
        "failures": result.failures.to_dicts(),
    }


def _print_validation(result) -> None:
    if result.refused:
        print(f"{result.path}: refused: {result.refused}")
        return
    print(f"{result.path}: {result.rows} rows, {result.passed} pass, {result.failed} fail")
    for warning in result.warnings:
        print(f"  warning: {warning}")
    for failure in result.failures.iter_rows(named=True):
        value = "" if failure["value"] is None else failure["value"]
        print(f"  row {failure['row']}, {failure['column']}: {failure['rule']} (value {value!r})")


# -- load -------------------------------------------------------------------------------


def _load(args) -> int:
    settings = _settings(landing=args.landing)
    if not settings.landing.is_dir():
        raise CommandError(f"no landing folder at {settings.landing}")
    from dagster import DagsterInstance

    from pipelines.defs.dbt.resources import prepare_manifest
    from pipelines.defs.definitions import build_defs
    from pipelines.defs.runs import execute_load
    from pipelines.ingest.file_versions import summarise
    from pipelines.ingest.planning import plan_load
    from pipelines.warehouse import connect

    runs = plan_load(settings)
    log = settings.home / "logs" / "sws-load.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    terminal = sys.stderr
    # Dagster's and dbt's own output goes to the log; the terminal gets progress and summary.
    with log.open("a") as log_file, redirect_stdout(log_file), redirect_stderr(log_file):
        prepare_manifest()
        failed = execute_load(
            build_defs(settings),
            runs,
            instance=DagsterInstance.get(),
            run_config=_quiet_run_config(),
            progress=lambda message: print(message, file=terminal, flush=True),
        )
    with connect(settings.warehouse, read_only=True) as con:
        outcomes = summarise(con, settings.landing)
    for outcome in outcomes:
        print(json.dumps(outcome.as_json()) if args.json else _load_line(outcome))
    if not args.json:
        _print_load_totals(outcomes)
    for failure in failed:
        print(f"sws load: {failure} (details: {log}, or `sws ui`)", file=sys.stderr)
    if any(o.refused for o in outcomes):
        return COULD_NOT_RUN
    return DATA_FAILED if failed or any(o.quarantined for o in outcomes) else OK


def _quiet_run_config() -> dict:
    """Dagster's console logger at WARNING: the CLI prints its own progress and summary."""
    return {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _load_line(outcome) -> str:
    if outcome.refused:
        return f"{outcome.file}  refused: {outcome.refused}"
    if outcome.superseded:
        return f"{outcome.file}  superseded by a later version"
    if outcome.rows is None:
        return f"{outcome.file}  not loaded"
    return (
        f"{outcome.file}  rows {outcome.rows}  loaded {outcome.loaded}  "
        f"quarantined {outcome.quarantined}"
    )


def _print_load_totals(outcomes) -> None:
    read = [o for o in outcomes if o.rows is not None]
    print(
        f"{len(outcomes)} files: {len(read)} loaded, "
        f"{sum(o.superseded for o in outcomes)} superseded, "
        f"{sum(o.refused is not None for o in outcomes)} refused; "
        f"{sum(o.rows for o in read)} rows in = {sum(o.loaded for o in read)} loaded + "
        f"{sum(o.quarantined for o in read)} quarantined"
    )


# -- failures ---------------------------------------------------------------------------


def _failures(args) -> int:
    from pipelines.failures import org_failures

    if args.org not in reference.orgs():
        raise CommandError(f"unknown org {args.org!r}: one of {', '.join(reference.orgs())}")
    settings = _settings()
    try:
        frame = org_failures(settings.warehouse, org=args.org, period=args.period)
    except FileNotFoundError as error:
        raise CommandError(str(error)) from error
    if args.out:
        frame.write_csv(args.out)
        print(f"{frame.height} failures of {args.org} written to {args.out}")
    else:
        sys.stdout.write(frame.write_csv())
    return OK


# -- extract ----------------------------------------------------------------------------


def _extract(args) -> int:
    from pipelines.extract import ExtractError, write_pack

    settings = _settings()
    try:
        result = write_pack(settings, args.period, args.out, args.consumer)
    except (ExtractError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    _record("extract", "record_pack", result)
    if not result.ok:
        print(f"sws extract: not published: {result.message}", file=sys.stderr)
        return DATA_FAILED
    print(f"ODB extract pack for {args.period} ({args.consumer}) published in {result.out_dir}")
    for path in result.files:
        print(f"  {path.relative_to(result.out_dir)}")
    print(f"  {result.gate.message}")
    return OK


# -- cull-report ------------------------------------------------------------------------


def _cull_report(args) -> int:
    import polars as pl

    from pipelines.lineage import LineageError, item_lineage, write_cull_report, write_data_pages

    settings = _settings()
    if not settings.warehouse.exists():
        raise CommandError(f"no warehouse at {settings.warehouse}: run `sws load` first")
    try:
        lineage = item_lineage(settings)
        out = write_cull_report(settings, args.out, lineage=lineage)
        pages = write_data_pages(settings, lineage=lineage)
    except LineageError as error:
        raise CommandError(str(error)) from error
    _record("cull-report", "record_cull_report", out, pages[0].parent)
    report = pl.read_csv(out)
    candidates = report.filter(pl.col("recommend_cull"))
    print(
        f"cull report: {report.height} items, {candidates.height} recommended for culling "
        f"({candidates['burden_hours_per_year'].sum():.1f} recording hours a year) -> {out}"
    )
    print(f"what happens to your data: {pages[0].parent / 'index.html'}")
    return OK


# -- status -----------------------------------------------------------------------------


def _status(args) -> int:
    from contracts.periods import Period
    from pipelines.status import latest_period, submission_status

    settings = _settings()
    period = args.period or latest_period(settings.warehouse, settings.landing)
    try:
        Period.parse(period)
    except ValueError as error:
        raise CommandError(str(error)) from error
    table = submission_status(settings.warehouse, settings.landing, period)
    _record("status", "record_status", table)
    if args.json:
        for row in table.to_dicts():
            print(json.dumps(row, default=str))
        return OK
    print(f"Returns for {period} (due {table['due'][0]}):")
    for row in table.iter_rows(named=True):
        detail = ""
        if row["refused"]:
            detail = row["refused"]
        elif row["rows"] is not None:
            detail = (
                f"v{row['version']} landed {row['received_at']:%Y-%m-%d}, {row['rows']} rows, "
                f"{row['quarantined']} quarantined"
            )
        print(f"  {row['collection']:<11} {row['org']:<7} {row['status']:<19} {detail}")
    counts = table["status"].value_counts(sort=True)
    print("  " + ", ".join(f"{n} {s}" for s, n in counts.iter_rows()))
    return OK


def _record(command: str, recorder: str, *args) -> None:
    """Record the work on the Dagster instance, so the UI shows it done (``pipelines/defs/
    reporting.py``); the work stands, and the exit status with it, if that fails."""
    try:
        from pipelines.defs import reporting

        getattr(reporting, recorder)(*args)
    except Exception as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"sws {command}: done, but not recorded in Dagster: {reason}", file=sys.stderr)


# -- sample, ui -------------------------------------------------------------------------


def _sample(args) -> int:
    from pipelines.sample import generate

    out = args.out or _settings().landing
    report = generate(
        out,
        periods=args.periods,
        end_period=args.end_period,
        scale=args.scale,
        seed=args.seed,
        bad_rows=args.bad_rows,
    )
    print(f"{len(report.files)} sample returns written to {out}")
    return OK


def _ui(args) -> int:
    from pipelines.defs.dbt.resources import prepare_manifest

    _settings()  # the UI's code location reads the same environment
    prepare_manifest()
    # dagster dev and dagster-dbt look for `dagster` and `dbt` on PATH: the venv's, even when
    # the venv is not activated
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    os.execvp(
        str(Path(sys.executable).with_name("dagster")),
        ["dagster", "dev", "-m", "pipelines.definitions"],
    )
    return OK  # not reached


def _settings(*, landing: Path | None = None):
    from pipelines.settings import export_environment, load_settings

    if landing is not None:
        os.environ["SWS_LANDING"] = str(landing.resolve())
    settings = load_settings()
    export_environment(settings)
    return settings


if __name__ == "__main__":
    sys.exit(main())
