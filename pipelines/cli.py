"""``sws``, the command line of interface.md.

Exit status 0 success, 1 the data failed a check, 2 the command could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from contracts import reference

OK, DATA_FAILED, COULD_NOT_RUN = 0, 1, 2
# Dagster reads it when a run is created (see _execute)
PLANNED_AS_SUBSETS = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


class CommandError(Exception):
    """The command could not run; the message is its one line."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except (CommandError, *_warehouse_busy()) as error:
        print(f"sws {args.name}: {error}", file=sys.stderr)
        return COULD_NOT_RUN
    except OSError as error:  # a path we could not read or write: say which, in one line
        where = f": {error.filename}" if error.filename else ""
        print(f"sws {args.name}: {error.strerror or type(error).__name__}{where}", file=sys.stderr)
        return COULD_NOT_RUN


def _warehouse_busy() -> tuple[type[Exception], ...]:
    """``WarehouseBusy``, if a command got as far as the warehouse: importing it imports
    DuckDB, a tenth of a second that ``sws validate`` has no use for."""
    turns = sys.modules.get("pipelines.warehouse.turns")
    return (turns.WarehouseBusy,) if turns is not None else ()


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
    validate.add_argument(
        "--annotate",
        type=Path,
        metavar="OUT.xlsx",
        help="write a copy of the return (one FILE) with every failing cell marked and explained",
    )

    load = command("load", _load, "load the landing folder through Dagster, then build the models")
    load.add_argument("--landing", type=Path, help="default: $SWS_LANDING or $SWS_HOME/landing")
    load.add_argument("--json", action="store_true", help="one JSON object per file")

    failures = command("failures", _failures, "one org's quarantined rows and refused files")
    failures.add_argument("--org", required=True)
    failures.add_argument("--period")
    failures.add_argument("--out", type=Path, help="write CSV here instead of printing")
    failures.add_argument("--xlsx", type=Path, metavar="OUT.xlsx", help="write a workbook here")

    extract = command(
        "extract",
        _extract,
        "write the ODB extract pack for a period (--for community-planning: the partner pack)",
    )
    extract.add_argument("--period", required=True)
    extract.add_argument(
        "--out",
        type=Path,
        help="default: $SWS_HOME/extracts/<PERIOD> (the partner pack: "
        "$SWS_HOME/extracts/community-planning/<PERIOD>)",
    )
    extract.add_argument(
        "--for",
        dest="consumer",
        default="ODB",
        metavar="CONSUMER",
        help="who the pack is for, recorded in the usage log (default ODB); community-planning "
        "writes the partner pack: the LGD breakdowns only",
    )

    cull = command("cull-report", _cull_report, "collected items no used output needs")
    cull.add_argument("--out", type=Path, help="default: $SWS_HOME/cull_report.csv")

    command(
        "rotate-key",
        _rotate_key,
        "re-pseudonymise the warehouse with the current key (SWS_PSEUDO_KEY or "
        "$SWS_HOME/pseudonym.key), from the archive, then rebuild the models",
    )

    status = command("status", _status, "expected returns of a period against what arrived")
    status.add_argument("--period", help="default: the latest period anything arrived for")
    status.add_argument("--json", action="store_true", help="one JSON object per return")

    purge = command("purge", _purge, "delete landed and archived files past their retention")
    purge.add_argument("--dry-run", action="store_true", help="list what would be deleted")

    sample = command("sample", _sample, "write deterministic sample returns (landing layout)")
    sample.add_argument("--out", type=Path, help="default: the landing folder")
    sample.add_argument("--periods", type=int, default=8)
    sample.add_argument("--end-period", default="2025-26-Q4")
    sample.add_argument("--scale", type=float, default=1.0)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--bad-rows", type=float, default=0.0, help="share of rows to spoil")
    sample.add_argument(
        "--story",
        action="store_true",
        help="the demo's latest period: bad rows, a resubmission, a refused one, a late and a "
        "missing return",
    )

    command("ui", _ui, "open the Dagster UI (dagster dev) on this warehouse")
    return parser


# -- validate ---------------------------------------------------------------------------


def _validate(args) -> int:
    from contracts.validate import check_files
    from pipelines.settings import file_limits

    for path in args.files:
        if not path.exists() and not path.is_symlink():
            raise CommandError(f"{path}: no such file")
    if args.annotate and (len(args.files) > 1 or args.annotate.suffix.lower() != ".xlsx"):
        raise CommandError("--annotate writes one .xlsx copy of one FILE")
    status = OK
    # a collection's files in one pass of each rule; each printed as soon as it is checked
    for result in check_files(args.files, limits=file_limits(), digest=False):
        if args.json:
            _print_validation_json(result)
        else:
            _print_validation(result)
        if args.annotate:
            _annotate(result, args.annotate, quiet=args.json)
        if result.refused:
            status = COULD_NOT_RUN
        elif result.failed and status == OK:
            status = DATA_FAILED
    return status


def _annotate(result, out: Path, *, quiet: bool) -> None:
    from pipelines.feedback.annotated import TooLargeToAnnotate, write_annotated
    from pipelines.private import private_file

    try:
        write_annotated(
            out,
            result.path,
            file_name=result.path.name,
            failures=result.failures,
            refused=result.refused,
        )
        private_file(out)  # the return's identifiers, as sent: owner-only, like the outbox
    except (TooLargeToAnnotate, OSError) as error:
        raise CommandError(str(error)) from error
    if not quiet:
        print(f"annotated copy: {out}")


def _print_validation_json(result) -> None:
    """interface.md's object, written as it goes: a file's failures may be millions."""
    file = result.file
    head = {
        "file": str(result.path),
        "collection": file and file.collection,
        "org": file and file.org,
        "period": file and file.period,
        "version": file and file.version,
        "rows": result.rows,
        "passed": result.passed,
        "failed": result.failed,
        "refused": result.refused,
    }
    out = sys.stdout
    out.write(json.dumps(head)[:-1] + ', "failures": [')
    separator = ""
    for chunk in result.failures.iter_slices(FAILURES_AT_ONCE):
        for failure in chunk.iter_rows(named=True):
            out.write(separator + json.dumps(failure))
            separator = ", "
    out.write("]}\n")
    out.flush()


FAILURES_AT_ONCE = 10_000


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
    from pipelines.feedback.outbox import write_missing_books
    from pipelines.ingest.file_versions import (
        digests_to_remember,
        recorded_digests,
        remember_digests,
        summarise,
    )
    from pipelines.ingest.landing import wait_to_settle
    from pipelines.ingest.planning import plan_load
    from pipelines.settings import dbt_threads, landing_settle_seconds
    from pipelines.warehouse import connect

    _check_key(settings)
    try:
        dbt_threads()
    except ValueError as error:
        raise CommandError(str(error)) from None
    settle = landing_settle_seconds()
    wait_to_settle(settings.landing, settle)  # files still being copied get their chance
    runs = plan_load(settings)
    failed, log = _execute(settings, runs) if runs else ([], None)
    if settings.warehouse.exists():
        write_missing_books(settings)  # the runs left them to the end (or a load stopped)
    with connect(settings.warehouse, read_only=True) as con:
        known = recorded_digests(con)
        outcomes = summarise(con, settings.landing, settle_seconds=settle, known=known)
        unrecorded = digests_to_remember(known)
    if unrecorded:  # the next plan need not read these files (once, after an upgrade)
        with connect(settings.warehouse) as con:
            remember_digests(con, unrecorded)
    for outcome in outcomes:
        print(json.dumps(outcome.as_json()) if args.json else _load_line(outcome))
    if not args.json:
        _print_load_totals(outcomes)
    for failure in failed:
        print(f"sws load: {failure} (details: {log}, or `sws ui`)", file=sys.stderr)
    if any(o.refused for o in outcomes):
        return COULD_NOT_RUN
    return DATA_FAILED if failed or any(o.quarantined for o in outcomes) else OK


def _check_key(settings) -> None:
    """Refuse, before any run, a key other than the one the warehouse was loaded with."""
    from pipelines.ingest.pseudonyms import KeyMismatch, check_key, load_key
    from pipelines.warehouse import connect

    if not settings.warehouse.exists():
        return
    with connect(settings.warehouse, read_only=True) as con:
        try:
            check_key(con, load_key(settings.home))
        except KeyMismatch as error:
            raise CommandError(str(error)) from None


def _execute(settings, runs) -> tuple[list[str], Path]:
    """Run the planned runs through Dagster in this process; the lines of failed runs, and
    the log Dagster's and dbt's own output went to (the terminal gets progress only)."""
    from pipelines.defs.dbt.resources import parse_ahead, prepare_manifest
    from pipelines.defs.definitions import build_defs
    from pipelines.defs.runs import execute_load
    from pipelines.settings import environment
    from pipelines.warehouse import one_publish

    log = settings.home / "logs" / "sws-load.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    terminal = sys.stderr
    # the runs' writer turns (an ingest run per return, then dbt) publish once, at the end.
    # A ranged run plans one event per asset, not one per partition (Dagster's switch for
    # wide single-run backfills, dagster-io/dagster#32242): each is a SQLite write of ~15 ms,
    # 600 of them in a five-year load. What it gives up, partitions of a failed run marked
    # failed in the UI, this command reports itself.
    with (
        environment(**{PLANNED_AS_SUBSETS: "true"}),
        log.open("a") as log_file,
        redirect_stdout(log_file),
        redirect_stderr(log_file),
        one_publish(settings.warehouse),
    ):
        prepare_manifest()
        with parse_ahead(settings.dbt_target):
            failed = execute_load(
                build_defs(settings),
                runs,
                instance=_dagster_instance(settings),
                run_config=_quiet_run_config(),
                progress=lambda message: print(message, file=terminal, flush=True),
            )
    return failed, log


def _dagster_instance(settings):
    """The Dagster instance, its storage made by one process at a time: two first loads at
    once would both create the same SQLite tables, and one would fail."""
    import fcntl

    from dagster import DagsterInstance

    with open(settings.dagster_home / ".instance.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            instance = DagsterInstance.get()
            instance.get_runs(limit=1)  # the run, event log and schedule storage exist
            instance.get_latest_materialization_events([])
            instance.all_instigator_state()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return instance


def _quiet_run_config() -> dict:
    """Dagster's console logger at WARNING: the CLI prints its own progress and summary."""
    return {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _load_line(outcome) -> str:
    from pipelines.ingest.landing import BEING_WRITTEN

    if outcome.refused:
        return f"{outcome.file}  refused: {outcome.refused}"
    if outcome.status == BEING_WRITTEN:
        return f"{outcome.file}  still being written, will be retried"
    if outcome.superseded:
        return f"{outcome.file}  superseded by a later version"
    if outcome.rows is None:
        return f"{outcome.file}  not loaded"
    return (
        f"{outcome.file}  rows {outcome.rows}  loaded {outcome.loaded}  "
        f"quarantined {outcome.quarantined}"
    )


def _print_load_totals(outcomes) -> None:
    from pipelines.ingest.landing import BEING_WRITTEN

    read = [o for o in outcomes if o.rows is not None]
    waiting = sum(o.status == BEING_WRITTEN for o in outcomes)
    print(
        f"{len(outcomes)} files: {len(read)} loaded, "
        f"{sum(o.superseded for o in outcomes)} superseded, "
        f"{sum(o.refused is not None for o in outcomes)} refused"
        f"{f', {waiting} still being written' if waiting else ''}; "
        f"{sum(o.rows for o in read)} rows in = {sum(o.loaded for o in read)} loaded + "
        f"{sum(o.quarantined for o in read)} quarantined"
    )


# -- failures ---------------------------------------------------------------------------


def _failures(args) -> int:
    from pipelines.failures import org_failures
    from pipelines.safe_text import safe_frame

    if args.org not in reference.orgs():
        raise CommandError(f"unknown org {args.org!r}: one of {', '.join(reference.orgs())}")
    _check_period(args.period)
    if args.out:
        _check_out_file(args.out)
    settings = _settings()
    try:
        frame = org_failures(settings.warehouse, org=args.org, period=args.period)
    except FileNotFoundError as error:
        raise CommandError(str(error)) from error
    if args.xlsx:
        from pipelines.feedback.failures_book import write_failures_book

        listed = write_failures_book(args.xlsx, frame, org=args.org, period=args.period)
        more = (
            f" (the first {listed} listed: see its 'about' sheet)" if listed < frame.height else ""
        )
        print(f"{frame.height} failures of {args.org} written to {args.xlsx}{more}")
    frame = safe_frame(frame)  # a value from a return must not become a formula
    if args.out:
        frame.write_csv(args.out)
        print(f"{frame.height} failures of {args.org} written to {args.out}")
    elif not args.xlsx:
        for number, chunk in enumerate(frame.iter_slices(FAILURES_AT_ONCE)):
            sys.stdout.write(chunk.write_csv(include_header=number == 0))
        if frame.is_empty():
            sys.stdout.write(frame.write_csv())
    return OK


def _check_period(period: str | None) -> None:
    """A --period must be a period (YYYY-YY-Qn), not left to match nothing."""
    from contracts.periods import Period

    if period is not None:
        try:
            Period.parse(period)
        except ValueError as error:
            raise CommandError(str(error)) from None


def _check_out_file(out: Path) -> None:
    """A file --out must be a file in a folder that exists."""
    if out.is_dir():
        raise CommandError(f"{out} is a folder: give a file name, e.g. {out / 'out.csv'}")
    if not out.parent.is_dir():
        raise CommandError(f"no folder {out.parent} to write {out.name} in")


# -- extract ----------------------------------------------------------------------------

# a consumer's name is written into the pack and the usage log: a name, never a formula
CONSUMER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


def _extract(args) -> int:
    from pipelines.extract import ExtractError, write_pack
    from pipelines.extract.out_dir import OutDirRefused, check_out_dir
    from pipelines.extract.pack import pack_kind

    _check_period(args.period)
    if not CONSUMER.match(args.consumer):
        raise CommandError(
            f"--for {args.consumer!r}: a consumer's name is letters, digits, spaces and - _ . "
            "(up to 64, starting with a letter or digit)"
        )
    settings = _settings()
    # the ODB pack's folder, or the partner pack's (extracts/community-planning/<P>)
    default = pack_kind(args.consumer).default_dir(settings.home, args.period)
    out_dir = (args.out or default).resolve()
    try:
        check_out_dir(out_dir)
    except OutDirRefused as error:
        raise CommandError(str(error)) from None
    try:
        result = write_pack(settings, args.period, out_dir, args.consumer)
    except (ExtractError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    _record("extract", "record_pack", result)
    if not result.ok:
        print(f"sws extract: not published: {result.message}", file=sys.stderr)
        return DATA_FAILED
    print(f"{result.kind.title} for {args.period} ({args.consumer}) published in {result.out_dir}")
    for path in result.files:
        print(f"  {path.relative_to(result.out_dir)}")
    print(f"  {result.gate.message}")
    return OK


# -- cull-report ------------------------------------------------------------------------


def _cull_report(args) -> int:
    import polars as pl

    from pipelines.lineage import LineageError, item_lineage, write_cull_report, write_data_pages

    if args.out:
        _check_out_file(args.out)
    settings = _settings()
    if not settings.warehouse.exists():
        raise CommandError(f"no warehouse at {settings.warehouse}: run `sws load` first")
    try:
        lineage = item_lineage(settings)
        out = write_cull_report(settings, args.out, lineage=lineage)
        pages = write_data_pages(settings, lineage=lineage)
    except LineageError as error:
        raise CommandError(str(error)) from error
    report = pl.read_csv(out)
    _record("cull-report", "record_cull_report", report, out, pages[0].parent)
    candidates = report.filter(pl.col("recommend_cull"))
    print(
        f"cull report: {report.height} items, {candidates.height} recommended for culling "
        f"({candidates['burden_hours_per_year'].sum():.1f} recording hours a year) -> {out}"
    )
    print(f"what happens to your data: {pages[0].parent / 'index.html'}")
    return OK


# -- rotate-key -------------------------------------------------------------------------


def _rotate_key(args) -> int:
    """Re-pseudonymise from the archive with the key now configured, then rebuild."""
    from pipelines.ingest.planning import BUILD_MODELS_JOB, PlannedRun
    from pipelines.ingest.pseudonyms import load_key
    from pipelines.ingest.rotation import RotationError, rotate_key
    from pipelines.warehouse import connect

    settings = _settings()
    if not settings.warehouse.exists():
        raise CommandError(f"no warehouse at {settings.warehouse}: nothing to rotate")
    try:
        with connect(settings.warehouse) as con:
            rotated = rotate_key(con, settings.archive, load_key(settings.home))
    except RotationError as error:
        raise CommandError(str(error)) from None
    if rotated is None:
        print("the warehouse is pseudonymised with this key already: nothing to rotate")
        return OK
    print(f"{rotated} returns re-pseudonymised with the new key from the archive")
    failed, log = _execute(settings, [PlannedRun(BUILD_MODELS_JOB)])
    for failure in failed:
        print(f"sws rotate-key: {failure} (details: {log}, or `sws ui`)", file=sys.stderr)
    return DATA_FAILED if failed else OK


# -- status -----------------------------------------------------------------------------


def _status(args) -> int:
    from contracts.periods import Period
    from pipelines.quality import quality_measures, with_return_figures
    from pipelines.status import latest_period, submission_status

    _check_period(args.period)
    settings = _settings()
    period = args.period or latest_period(settings.warehouse, settings.landing)
    try:
        Period.parse(period)
    except ValueError as error:
        raise CommandError(str(error)) from error
    table = submission_status(settings.warehouse, settings.landing, period)
    table = with_return_figures(table, settings.warehouse, period)
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
                f"{row['quarantined']} quarantined{_return_quality(row)}"
            )
        print(f"  {row['collection']:<11} {row['org']:<7} {row['status']:<20} {detail}")
    counts = table["status"].value_counts(sort=True)
    print("  " + ", ".join(f"{n} {s}" for s, n in counts.iter_rows()))
    _print_quality(quality_measures(settings.warehouse, period), period)
    return OK


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _return_quality(row: dict) -> str:
    """The return's quality figures (once dbt has built marts.return_quality)."""
    if row.get("days_from_deadline") is None:
        return ""
    days = row["days_from_deadline"]
    when = f"{_days(-days)} early" if days < 0 else f"{_days(days)} late" if days else "on the day"
    return f" ({row['rows_quarantined_pct'] or 0:.1f}%), {when}, {row['resubmissions']} resubmitted"


def _print_quality(measures, period: str) -> None:
    from pipelines.quality import ON_TIME, QUARANTINED

    latest = measures.filter(measures["period"] == period)
    if latest.is_empty():
        return
    print("How well are the returns doing (rows quarantined; returns on time):")
    for org in sorted(set(latest["org"]), key=lambda o: (o == "REGION", o)):
        figures = {r["measure_code"]: r for r in latest.filter(latest["org"] == org).to_dicts()}
        print(f"  {org:<7} " + "; ".join(_figure(figures.get(c)) for c in (QUARANTINED, ON_TIME)))


def _figure(row: dict | None) -> str:
    if row is None or row["value"] is None:
        return "-"
    change = row["change_from_baseline"]
    since = "" if change is None else f" ({change:+.1f} since {row['baseline_period']})"
    return f"{row['value']:.1f}%{since}"


# -- purge ------------------------------------------------------------------------------


def _purge(args) -> int:
    from pipelines.retention import expired, purge, retention_days

    settings = _settings()
    gone = expired(settings) if args.dry_run else purge(settings)
    verb = "would delete" if args.dry_run else "deleted"
    for entry in gone:
        where = (
            entry.path.relative_to(settings.home)
            if entry.path.is_relative_to(settings.home)
            else entry.path
        )
        print(f"{entry.location:<8} {where}  ({entry.period}, kept until {entry.expired_after})")
    print(
        f"retention ({retention_days()} days after each period's deadline): {verb} "
        f"{len(gone)} file(s) or folder(s)"
    )
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
    try:
        report = generate(
            out,
            periods=args.periods,
            end_period=args.end_period,
            scale=args.scale,
            seed=args.seed,
            bad_rows=args.bad_rows,
            story=args.story,
        )
    except ValueError as error:  # a bad argument (the generator checks them): one line
        raise CommandError(str(error)) from None
    print(f"{len(report.files)} sample returns written to {out}")
    if report.faults:
        print(f"{len(report.faults)} bad rows planted, listed in {report.faults_file}")
    for event in report.events:
        print(f"  {event.turn:<10} {event.file}: {event.detail}")
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
