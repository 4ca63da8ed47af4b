"""The ODB extract pack for a period (interface.md, "The ODB extract pack").

``write_pack`` reads the four marts, applies disclosure control, writes the workbook, the CSV
files and the report into a staging folder, runs the validation gate over the tables and, only
if it passes, publishes the pack into its folder and records the delivery in the usage log.
A pack that fails the gate is not published: its gate result goes to
``$SWS_HOME/extracts/rejected/<P>/gate/`` and the result names the failed expectations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts import reference
from contracts.periods import Period
from pipelines.extract.disclosure import (
    MART_COLUMNS,
    REGION,
    Thresholds,
    apply_disclosure,
    load_thresholds,
)
from pipelines.extract.gate import GateResult, expected_keys, read_extract_csv, run_gate
from pipelines.extract.report import render_report
from pipelines.extract.usage import record_delivery
from pipelines.extract.workbook import write_workbook
from pipelines.safe_text import safe_frame
from pipelines.settings import Settings
from pipelines.warehouse import connect

OUTCOME_TABLES = ("outcome1", "outcome2", "outcome3", "outcome4")
USED_VERSION_COLUMNS = (
    "collection",
    "org",
    "period",
    "version",
    "file_name",
    "received_at",
    "loaded_at",
    "rows",
    "loaded",
    "quarantined",
    "sha256",
)


class ExtractError(Exception):
    """The pack could not be built (bad period, no warehouse): the message is one line."""


class UnknownPeriod(ExtractError):
    """No mart rows for the period asked for."""


@dataclass(frozen=True)
class PackResult:
    ok: bool  # published (and its delivery recorded)
    period: str
    consumer: str
    out_dir: Path  # where the pack is (or would have been) published
    files: tuple[Path, ...]  # the published files (none when the gate failed)
    measures: tuple[str, ...]
    pack_sha256: str | None  # sha256 of the workbook then csv/outcome1..4.csv, concatenated
    gate: GateResult
    message: str
    rejected_dir: Path | None = None  # the failed gate's result, when it failed

    @property
    def workbook(self) -> Path:
        return self.out_dir / f"odb_extract_{self.period}.xlsx"


@dataclass(frozen=True)
class ExtractInputs:
    marts: pl.DataFrame  # every mart row, every period (true values)
    catalog: pl.DataFrame  # reference.measures, in catalog order
    file_versions: pl.DataFrame  # ingest.file_versions


def org_order() -> list[str]:
    trusts = list(reference.orgs(trusts_only=True))
    return [*sorted(trusts), REGION]


def read_inputs(settings: Settings) -> ExtractInputs:
    if not settings.warehouse.exists():
        raise ExtractError(f"no warehouse at {settings.warehouse}: run `sws load` first")
    # the published warehouse: one consistent state, even while a load is writing
    with connect(settings.warehouse, read_only=True) as con:
        marts = pl.concat([con.sql(f"from marts.{t}").pl() for t in OUTCOME_TABLES])
        catalog = con.sql("from reference.measures").pl()
        file_versions = con.sql("from ingest.file_versions").pl()
    return ExtractInputs(marts.select(MART_COLUMNS), catalog, file_versions)


def extract_rows(inputs: ExtractInputs, period: str, thresholds: Thresholds) -> pl.DataFrame:
    """The pack's rows: disclosure applied (over every period, so rule 5 sees each baseline
    row), then the periods up to ``period``, in catalog, org and period order."""
    _check_period(inputs.marts, period)
    disclosed = apply_disclosure(inputs.marts, inputs.catalog, thresholds)
    measure_rank = {code: i for i, code in enumerate(inputs.catalog["measure_code"].to_list())}
    org_rank = {org: i for i, org in enumerate(org_order())}
    return (
        disclosed.filter(pl.col("period") <= period)
        .with_columns(
            _m=pl.col("measure_code").replace_strict(measure_rank, return_dtype=pl.Int32),
            _o=pl.col("org").replace_strict(org_rank, default=len(org_rank), return_dtype=pl.Int32),
        )
        .sort("outcome", "_m", "_o", "period")
        .drop("_m", "_o")
    )


def _check_period(marts: pl.DataFrame, period: str) -> None:
    try:
        Period.parse(period)
    except ValueError as error:
        raise UnknownPeriod(str(error)) from None
    periods = sorted(marts["period"].unique().to_list())
    if not periods:
        raise UnknownPeriod("the marts are empty: run `sws load` first")
    if period not in periods:
        raise UnknownPeriod(
            f"no mart rows for period {period}: the marts hold {periods[0]} to {periods[-1]}"
        )


def used_versions(file_versions: pl.DataFrame, period: str) -> pl.DataFrame:
    """The returns (current, loaded versions) the pack's figures come from."""
    return (
        file_versions.filter(
            pl.col("is_current") & pl.col("refused").is_null() & (pl.col("period") <= period)
        )
        .select(USED_VERSION_COLUMNS)
        .sort("collection", "org", "period")
    )


def write_pack(
    settings: Settings,
    period: str,
    out_dir: Path | None = None,
    consumer: str = "ODB",
    *,
    thresholds: Thresholds | None = None,
) -> PackResult:
    """Build, gate and publish the extract pack for ``period``.

    Raises ``ExtractError`` (``UnknownPeriod``) when it cannot be built; returns a result with
    ``ok`` false (nothing published, ``message`` naming the failed expectations) when the pack
    fails its gate.
    """
    thresholds = thresholds or load_thresholds()
    out_dir = (out_dir or settings.home / "extracts" / period).resolve()
    inputs = read_inputs(settings)
    rows = extract_rows(inputs, period, thresholds)
    versions = used_versions(inputs.file_versions, period)
    built_at = dt.datetime.now().replace(microsecond=0)
    loaded = versions["loaded_at"].drop_nulls()
    data_as_at = loaded.max().replace(microsecond=0).isoformat(sep=" ") if loaded.len() else None
    measures = tuple(
        code
        for code in inputs.catalog["measure_code"].to_list()
        if code in set(rows["measure_code"])
    )

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        files = _write_files(
            staging,
            rows,
            inputs,
            versions,
            period=period,
            consumer=consumer,
            thresholds=thresholds,
            built_at=built_at.isoformat(sep=" "),
            data_as_at=data_as_at,
        )
        tables = {t: read_extract_csv(staging / "csv" / f"{t}.csv") for t in OUTCOME_TABLES}
        gate = run_gate(
            tables,
            catalog=inputs.catalog,
            expected=expected_keys(inputs.file_versions, inputs.catalog, period),
            periods=sorted(rows["period"].unique().to_list()),
            orgs=org_order(),
            thresholds=thresholds,
            out_dir=staging / "gate",
        )
        if not gate.success:
            rejected = settings.home / "extracts" / "rejected" / period
            _replace(staging / "gate", rejected / "gate")
            return PackResult(
                ok=False,
                period=period,
                consumer=consumer,
                out_dir=out_dir,
                files=(),
                measures=measures,
                pack_sha256=None,
                gate=gate,
                message=f"{gate.message} (details: {rejected / 'gate'})",
                rejected_dir=rejected,
            )
        digest = pack_digest(staging, period)
        with connect(settings.warehouse) as con:
            con.begin()
            try:
                record_delivery(
                    con,
                    consumer=consumer,
                    period=period,
                    measures=measures,
                    pack_sha256=digest,
                    out_dir=out_dir,
                )
                published = _publish(staging, out_dir)
            except BaseException:
                con.rollback()
                raise
            con.commit()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    gate = _moved_gate(gate, staging, out_dir)
    return PackResult(
        ok=True,
        period=period,
        consumer=consumer,
        out_dir=out_dir,
        files=tuple(out_dir / f.relative_to(staging) for f in files) + published,
        measures=measures,
        pack_sha256=digest,
        gate=gate,
        message=f"pack for {period} published to {out_dir} for {consumer}: "
        f"{len(measures)} measures, {rows.height} rows; {gate.message}",
    )


def _write_files(
    staging: Path,
    rows: pl.DataFrame,
    inputs: ExtractInputs,
    versions: pl.DataFrame,
    *,
    period: str,
    consumer: str,
    thresholds: Thresholds,
    built_at: str,
    data_as_at: str | None,
) -> list[Path]:
    tables = {t: rows.filter(pl.col("outcome") == int(t[-1])) for t in OUTCOME_TABLES}
    csv_dir = staging / "csv"
    csv_dir.mkdir()
    files = []
    for name, table in tables.items():
        path = csv_dir / f"{name}.csv"
        safe_frame(table).write_csv(path)  # no text a spreadsheet could run
        files.append(path)
    workbook = staging / f"odb_extract_{period}.xlsx"
    write_workbook(
        workbook,
        tables,
        inputs.catalog,
        versions,
        period=period,
        periods=sorted(rows["period"].unique().to_list()),
        consumer=consumer,
        thresholds=thresholds,
        built_at=built_at,
        data_as_at=data_as_at,
    )
    report = staging / "report.html"
    report.write_text(
        render_report(
            rows,
            inputs.catalog,
            period=period,
            orgs=org_order(),
            thresholds=thresholds,
            consumer=consumer,
            built_at=built_at,
            data_as_at=data_as_at,
        ),
        encoding="utf-8",
    )
    return [workbook, *files, report]


def pack_digest(folder: Path, period: str) -> str:
    """sha256 over the workbook then ``csv/outcome1.csv`` ... ``outcome4.csv``, in that order
    (``cat`` them into ``sha256sum`` to check)."""
    digest = hashlib.sha256()
    for path in [folder / f"odb_extract_{period}.xlsx"] + [
        folder / "csv" / f"{t}.csv" for t in OUTCOME_TABLES
    ]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _write_checksums(folder: Path) -> Path:
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.parts[len(folder.parts)] != "gate"
    ]
    path = folder / "SHA256SUMS"
    path.write_text("\n".join(lines) + "\n")
    return path


def _publish(staging: Path, out_dir: Path) -> tuple[Path, ...]:
    """Move the staged pack's entries into ``out_dir``, each replacing its previous version
    (other files there are left alone)."""
    extra = _write_checksums(staging)
    out_dir.mkdir(parents=True, exist_ok=True)
    for entry in sorted(staging.iterdir()):
        _replace(entry, out_dir / entry.name)
    return (out_dir / extra.name, out_dir / "gate" / "validation_result.json")


def _replace(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        source.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        source.replace(target)


def _moved_gate(gate: GateResult, staging: Path, out_dir: Path) -> GateResult:
    def moved(path: Path | None) -> Path | None:
        return None if path is None else out_dir / path.relative_to(staging)

    return GateResult(
        success=gate.success,
        evaluated=gate.evaluated,
        failures=gate.failures,
        result_path=moved(gate.result_path),
        docs_index=moved(gate.docs_index),
        details=gate.details,
    )
