"""The ODB extract pack for a period (interface.md, "The ODB extract pack").

``write_pack`` runs four stages:

1. ``stage_pack``: read the marts, apply disclosure control, audit it (rule 7: the rows the pack
   is written from against the marts' true values), gather what the pack says about itself
   (``PackFacts``);
2. ``write_files``: the workbook, the CSV files, ``datapackage.json`` and the report, into a
   staging folder;
3. ``gate_pack``: the validation gate over the files as written (Great Expectations, the data
   package's validation) with the disclosure audit's result, written to ``gate/``;
4. ``publish_pack`` (passed) or ``reject_pack`` (failed). Only a pack that passes is published
   into its folder, with its delivery recorded in the usage log; a pack that fails leaves its
   gate result in ``$SWS_HOME/extracts/rejected/<P>/gate/`` and the result names what failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts import reference
from contracts.periods import Period
from pipelines.extract.audit import AuditError, AuditResult, audit_disclosure
from pipelines.extract.datapackage import (
    MEASURES_PATH,
    TableResource,
    pack_resources,
    write_datapackage,
    write_measures_csv,
)
from pipelines.extract.disclosure import (
    MART_COLUMNS,
    REGION,
    Thresholds,
    apply_disclosure,
    load_thresholds,
)
from pipelines.extract.facts import PackFacts, configured_contact
from pipelines.extract.gate import (
    AuditBroken,
    GateResult,
    expected_keys,
    read_extract_csv,
    run_gate,
)
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
    pack_sha256: str | None  # pack_digest of the published pack
    gate: GateResult
    message: str
    rejected_dir: Path | None = None  # the failed gate's result, when it failed

    @property
    def workbook(self) -> Path:
        return self.out_dir / workbook_name(self.period)


@dataclass(frozen=True)
class ExtractInputs:
    marts: pl.DataFrame  # every mart row, every period (true values)
    catalog: pl.DataFrame  # reference.measures of the outcome marts, in catalog order
    file_versions: pl.DataFrame  # ingest.file_versions


@dataclass(frozen=True)
class StagedPack:
    """Everything the pack is written from."""

    inputs: ExtractInputs
    rows: pl.DataFrame  # the pack's rows: disclosed, every period up to P, in pack order
    versions: pl.DataFrame  # the returns the figures come from
    facts: PackFacts
    thresholds: Thresholds
    measures: tuple[str, ...]  # catalog codes with a row in the pack
    audit: AuditResult | AuditBroken  # the disclosure audit of ``rows``

    @property
    def period(self) -> str:
        return self.facts.period

    @property
    def resources(self) -> list[TableResource]:
        return pack_resources(self.inputs.catalog, org_order())


def workbook_name(period: str) -> str:
    return f"odb_extract_{period}.xlsx"


def org_order() -> list[str]:
    trusts = list(reference.orgs(trusts_only=True))
    return [*sorted(trusts), REGION]


def read_inputs(settings: Settings) -> ExtractInputs:
    if not settings.warehouse.exists():
        raise ExtractError(f"no warehouse at {settings.warehouse}: run `sws load` first")
    # the published warehouse: one consistent state, even while a load is writing
    with connect(settings.warehouse, read_only=True) as con:
        marts = pl.concat([con.sql(f"from marts.{t}").pl() for t in OUTCOME_TABLES])
        # the outcome marts' measures: the LGD rates exist only in marts.breakdowns
        catalog = con.sql("from reference.measures where not breakdown_only").pl()
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


# -- the four stages --------------------------------------------------------------------


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
    ``ok`` false (nothing published, ``message`` naming what failed) when the pack fails its
    gate.
    """
    out_dir = (out_dir or settings.home / "extracts" / period).resolve()
    staged = stage_pack(settings, period, consumer, thresholds or load_thresholds())
    with staging_folder(out_dir) as staging:
        write_files(staging, staged)
        gate = gate_pack(staging, staged)
        if not gate.success:
            return reject_pack(settings, staging, staged, gate, out_dir)
        return publish_pack(settings, staging, staged, gate, out_dir)


def stage_pack(
    settings: Settings, period: str, consumer: str, thresholds: Thresholds
) -> StagedPack:
    inputs = read_inputs(settings)
    rows = extract_rows(inputs, period, thresholds)
    versions = used_versions(inputs.file_versions, period)
    audit = audit_rows(rows, inputs, period, thresholds)
    loaded = versions["loaded_at"].drop_nulls()
    periods = tuple(sorted(rows["period"].unique().to_list()))
    facts = PackFacts(
        period=period,
        periods=periods,
        consumer=consumer,
        built_at=dt.datetime.now().replace(microsecond=0).isoformat(sep=" "),
        data_as_at=loaded.max().replace(microsecond=0).isoformat(sep=" ") if loaded.len() else None,
        contact=configured_contact(),
        audit=f"Audited: the {rows.height} rows of the pack, every period from {periods[0]} to "
        f"{period}, against the true values of the marts. {audit.method} Result: "
        f"{audit.summary()}.",
    )
    present = set(rows["measure_code"])
    measures = tuple(c for c in inputs.catalog["measure_code"].to_list() if c in present)
    return StagedPack(inputs, rows, versions, facts, thresholds, measures, audit)


def audit_rows(
    rows: pl.DataFrame, inputs: ExtractInputs, period: str, thresholds: Thresholds
) -> AuditResult | AuditBroken:
    """The disclosure audit of the pack's rows; published figures that break a relation of
    the seed mean nothing can be concluded, and so a failed audit."""
    true_rows = inputs.marts.filter(pl.col("period") <= period)
    try:
        return audit_disclosure(rows, true_rows, inputs.catalog, thresholds)
    except AuditError as error:
        return AuditBroken(reason=str(error))


@contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """A fresh folder beside ``out_dir`` (same file system: publishing is a rename), removed
    afterwards whatever happens."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_files(staging: Path, staged: StagedPack) -> None:
    """The workbook, ``csv/``, ``datapackage.json`` and ``report.html``."""
    rows = staged.rows
    csv_dir = staging / "csv"
    csv_dir.mkdir()
    for name in OUTCOME_TABLES:
        table = rows.filter(pl.col("outcome") == int(name[-1]))
        safe_frame(table).write_csv(csv_dir / f"{name}.csv")  # no text a spreadsheet could run
    write_measures_csv(staging / MEASURES_PATH, staged.inputs.catalog)
    write_datapackage(staging, staged.resources, staged.facts)
    write_workbook(
        staging / workbook_name(staged.period),
        rows,
        staged.inputs.catalog,
        staged.versions,
        facts=staged.facts,
        thresholds=staged.thresholds,
        orgs=org_order(),
    )
    (staging / "report.html").write_text(
        render_report(
            rows,
            staged.inputs.catalog,
            period=staged.period,
            orgs=org_order(),
            thresholds=staged.thresholds,
            consumer=staged.facts.consumer,
            built_at=staged.facts.built_at,
            data_as_at=staged.facts.data_as_at,
        ),
        encoding="utf-8",
    )


def gate_pack(staging: Path, staged: StagedPack) -> GateResult:
    """The gate over the CSV files as written and the data package; its result to ``gate/``."""
    tables = {t: read_extract_csv(staging / "csv" / f"{t}.csv") for t in OUTCOME_TABLES}
    return run_gate(
        tables,
        catalog=staged.inputs.catalog,
        expected=expected_keys(staged.inputs.file_versions, staged.inputs.catalog, staged.period),
        periods=staged.facts.periods,
        orgs=org_order(),
        thresholds=staged.thresholds,
        package=staging / "datapackage.json",
        audit=staged.audit,
        facts=staged.facts,
        out_dir=staging / "gate",
    )


def reject_pack(
    settings: Settings, staging: Path, staged: StagedPack, gate: GateResult, out_dir: Path
) -> PackResult:
    """Nothing is published: the gate's result goes to the rejected folder."""
    rejected = settings.home / "extracts" / "rejected" / staged.period
    _replace(staging / "gate", rejected / "gate")
    return PackResult(
        ok=False,
        period=staged.period,
        consumer=staged.facts.consumer,
        out_dir=out_dir,
        files=(),
        measures=staged.measures,
        pack_sha256=None,
        gate=gate.moved(staging, rejected),
        message=f"{gate.message} (details: {rejected / 'gate' / 'report.html'})",
        rejected_dir=rejected,
    )


def publish_pack(
    settings: Settings, staging: Path, staged: StagedPack, gate: GateResult, out_dir: Path
) -> PackResult:
    """Record the delivery and move the staged files into ``out_dir``, in one transaction: a
    failed move records nothing."""
    digest = pack_digest(staging, staged.period, staged.resources)
    write_checksums(staging)
    files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
    with connect(settings.warehouse) as con:
        con.begin()
        try:
            record_delivery(
                con,
                consumer=staged.facts.consumer,
                period=staged.period,
                measures=staged.measures,
                pack_sha256=digest,
                out_dir=out_dir,
            )
            _move_entries(staging, out_dir)
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return PackResult(
        ok=True,
        period=staged.period,
        consumer=staged.facts.consumer,
        out_dir=out_dir,
        files=tuple(out_dir / f for f in files),
        measures=staged.measures,
        pack_sha256=digest,
        gate=gate.moved(staging, out_dir),
        message=f"pack for {staged.period} published to {out_dir} for {staged.facts.consumer}: "
        f"{len(staged.measures)} measures, {staged.rows.height} rows; {gate.message}",
    )


# -- files ------------------------------------------------------------------------------


def digest_files(period: str, resources: list[TableResource]) -> list[str]:
    """The pack's data, in digest order: the workbook, each CSV file of the data package (in
    its order), then ``datapackage.json``. The report and the gate's pages are renderings."""
    return [workbook_name(period), *(r.path for r in resources), "datapackage.json"]


def pack_digest(folder: Path, period: str, resources: list[TableResource]) -> str:
    """sha256 over ``digest_files`` concatenated (``cat`` them into ``sha256sum`` to check)."""
    digest = hashlib.sha256()
    for name in digest_files(period, resources):
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def write_checksums(folder: Path) -> Path:
    """``SHA256SUMS`` of every file of the pack (``sha256sum -c SHA256SUMS`` checks them)."""
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "SHA256SUMS"
    ]
    path = folder / "SHA256SUMS"
    path.write_text("\n".join(lines) + "\n")
    return path


def _move_entries(staging: Path, out_dir: Path) -> None:
    """Move the staged pack's entries into ``out_dir``, each replacing its previous version
    (other files there are left alone)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for entry in sorted(staging.iterdir()):
        _replace(entry, out_dir / entry.name)


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
