"""The extract packs for a period: the ODB pack (interface.md, "The ODB extract pack") and the
Community Planning partner pack (``sws extract --for community-planning``).

``write_pack`` runs four stages:

1. ``stage_pack``: read the marts, apply disclosure control to the outcome rows and the
   breakdowns at once (so the two packs of a period hide the same figures), audit it (rule 7:
   every row either pack publishes against the marts' true values), gather what the pack says
   about itself (``PackFacts``: the audit, how many figures each rule hid);
2. ``write_files``: the workbook, the CSV files, ``datapackage.json`` and the report, into a
   staging folder;
3. ``gate_pack``: the validation gate over the files as written (Great Expectations, the data
   package's validation) with the disclosure audit's result, written to ``gate/``;
4. ``publish_pack`` (passed) or ``reject_pack`` (failed). Only a pack that passes is published
   into its folder, with its delivery recorded in the usage log; a pack that fails leaves its
   gate result in ``$SWS_HOME/extracts/rejected/[<folder>/]<P>/gate/`` and the result names
   what failed.

The two packs differ in what they carry (``PackKind``): the ODB pack every outcome row, every
breakdown and the whole measure catalogue; the partner pack (data minimisation) only the
``lgd`` breakdowns and the definitions of their measures, in ``$SWS_HOME/extracts/
community-planning/<P>/``. A delivery records the measures a pack carries and, for its
breakdowns, ``<measure_code>/<dimension>`` (the cull report's lineage follows the breakdowns'
grouping columns through them).
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
from pipelines.extract import partner
from pipelines.extract.audit import AuditError, AuditResult, audit_disclosure
from pipelines.extract.breakdown_report import breakdown_sections, render_partner_report
from pipelines.extract.datapackage import (
    BREAKDOWNS_PATH,
    MEASURES_PATH,
    TableResource,
    breakdown_dimensions,
    pack_resources,
    partner_resources,
    write_datapackage,
    write_measures_csv,
)
from pipelines.extract.disclosure import (
    BREAKDOWN_COLUMNS,
    MART_COLUMNS,
    REGION,
    Thresholds,
    disclose,
    load_thresholds,
)
from pipelines.extract.facts import PackFacts, configured_contact
from pipelines.extract.gate import (
    BREAKDOWNS,
    AuditBroken,
    GateResult,
    expected_breakdown_keys,
    expected_keys,
    read_extract_csv,
    run_gate,
)
from pipelines.extract.report import render_report
from pipelines.extract.tally import count_suppressions
from pipelines.extract.usage import record_delivery
from pipelines.extract.workbook import write_workbook
from pipelines.quality import read_quality_measures
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
class PackKind:
    """What a pack carries and where it goes."""

    title: str  # "ODB extract pack"
    file_stem: str  # the workbook is <file_stem>_<P>.xlsx
    package_name: str  # datapackage.json's name: <package_name>-<p>
    folder: tuple[str, ...]  # under $SWS_HOME/extracts/ (before <P>)
    outcome_tables: bool  # carries csv/outcome1..4 (and every measure)
    dimensions: tuple[str, ...] | None  # the breakdown dimensions it carries (None: every one)

    def workbook_name(self, period: str) -> str:
        return f"{self.file_stem}_{period}.xlsx"

    def default_dir(self, home: Path, period: str) -> Path:
        return home.joinpath("extracts", *self.folder, period)

    def rejected_dir(self, home: Path, period: str) -> Path:
        return home.joinpath("extracts", "rejected", *self.folder, period)


ODB_PACK = PackKind(
    title="ODB extract pack",
    file_stem="odb_extract",
    package_name="odb-extract",
    folder=(),
    outcome_tables=True,
    dimensions=None,
)
PARTNER_PACK = PackKind(
    title=partner.TITLE,
    file_stem="partner_extract",
    package_name="community-planning",
    folder=(partner.CONSUMER,),
    outcome_tables=False,
    dimensions=(partner.DIMENSION,),
)


def pack_kind(consumer: str) -> PackKind:
    """The partner pack for consumer ``community-planning``; the ODB pack for any other."""
    return PARTNER_PACK if consumer == partner.CONSUMER else ODB_PACK


@dataclass(frozen=True)
class PackResult:
    ok: bool  # published (and its delivery recorded)
    period: str
    consumer: str
    out_dir: Path  # where the pack is (or would have been) published
    files: tuple[Path, ...]  # the published files (none when the gate failed)
    measures: tuple[str, ...]  # what the delivery records (``delivered``)
    pack_sha256: str | None  # pack_digest of the published pack
    gate: GateResult
    message: str
    rejected_dir: Path | None = None  # the failed gate's result, when it failed
    kind: PackKind = ODB_PACK

    @property
    def workbook(self) -> Path:
        return self.out_dir / self.kind.workbook_name(self.period)


@dataclass(frozen=True)
class ExtractInputs:
    marts: pl.DataFrame  # every outcome mart row, every period (true values)
    breakdowns: pl.DataFrame  # every marts.breakdowns row, every period (true values)
    catalog: pl.DataFrame  # reference.measures, in catalog order (the rates too)
    categories: pl.DataFrame  # dimension, category, category_label, in dimension order
    file_versions: pl.DataFrame  # ingest.file_versions
    # how well the returns themselves do (marts.return_quality_measures), for the report only:
    # about returns, not people, so no disclosure control; and their catalogue rows
    quality: pl.DataFrame | None = None
    quality_catalog: pl.DataFrame | None = None

    @property
    def outcome_catalog(self) -> pl.DataFrame:
        """The outcome marts' measures (the LGD rates exist only in the breakdowns)."""
        return self.catalog.filter(~pl.col("breakdown_only"))


@dataclass(frozen=True)
class ExtractRows:
    """Disclosure control applied to every row, kept up to the pack's period, in pack order."""

    rows: pl.DataFrame  # the outcome rows
    breakdowns: pl.DataFrame  # the breakdown rows
    reasons: pl.DataFrame  # why each hidden row is hidden (``disclosure.Disclosed.reasons``)


@dataclass(frozen=True)
class StagedPack:
    """Everything the pack is written from."""

    kind: PackKind
    inputs: ExtractInputs
    rows: pl.DataFrame  # the outcome rows it publishes (none in the partner pack)
    breakdowns: pl.DataFrame  # the breakdown rows it publishes
    catalog: pl.DataFrame  # the measures it describes (csv/measures.csv)
    categories: pl.DataFrame  # the categories of the dimensions it carries
    versions: pl.DataFrame  # the returns the figures come from
    facts: PackFacts
    thresholds: Thresholds
    measures: tuple[str, ...]  # what its delivery records (``delivered``)
    audit: AuditResult | AuditBroken  # the disclosure audit of every published row

    @property
    def period(self) -> str:
        return self.facts.period

    @property
    def workbook_name(self) -> str:
        return self.kind.workbook_name(self.period)

    @property
    def resources(self) -> list[TableResource]:
        if self.kind.outcome_tables:
            return pack_resources(self.catalog, org_order(), self.categories)
        return partner_resources(self.catalog, self.categories)


def workbook_name(period: str) -> str:
    """The ODB pack's workbook."""
    return ODB_PACK.workbook_name(period)


def org_order() -> list[str]:
    trusts = list(reference.orgs(trusts_only=True))
    return [*sorted(trusts), REGION]


def read_inputs(settings: Settings) -> ExtractInputs:
    if not settings.warehouse.exists():
        raise ExtractError(f"no warehouse at {settings.warehouse}: run `sws load` first")
    # the published warehouse: one consistent state, even while a load is writing
    with connect(settings.warehouse, read_only=True) as con:
        marts = pl.concat([con.sql(f"from marts.{t}").pl() for t in OUTCOME_TABLES])
        breakdowns = con.sql("from marts.breakdowns").pl()
        # the outcome marts' measures and the LGD rates; the measures of the returns
        # themselves (no outcome) are not a pack's
        catalog = con.sql("from reference.measures where outcome is not null").pl()
        # in the order the model lists them (dimension by dimension)
        categories = con.sql("from intermediate.int_breakdown_categories").pl()
        file_versions = con.sql("from ingest.file_versions").pl()
        quality = read_quality_measures(con)
        quality_catalog = con.sql("from reference.measures where outcome is null").pl()
    return ExtractInputs(
        marts.select(MART_COLUMNS),
        breakdowns.select(BREAKDOWN_COLUMNS),
        catalog,
        categories.select("dimension", "category", "category_label"),
        file_versions,
        quality,
        quality_catalog,
    )


def extract_rows(inputs: ExtractInputs, period: str, thresholds: Thresholds) -> ExtractRows:
    """Disclosure applied to the outcome rows and the breakdowns together (over every period,
    so rule 5 sees each baseline row), then the periods up to ``period``, in catalog, org (or
    dimension and category) and period order."""
    _check_period(inputs.marts, period)
    disclosed = disclose(inputs.marts, inputs.catalog, thresholds, breakdowns=inputs.breakdowns)
    up_to = pl.col("period") <= period
    measure_rank = {code: i for i, code in enumerate(inputs.catalog["measure_code"].to_list())}
    org_rank = {org: i for i, org in enumerate(org_order())}
    rows = (
        disclosed.pack.filter(up_to)
        .with_columns(
            _m=pl.col("measure_code").replace_strict(measure_rank, return_dtype=pl.Int32),
            _o=pl.col("org").replace_strict(org_rank, default=len(org_rank), return_dtype=pl.Int32),
        )
        .sort("outcome", "_m", "_o", "period")
        .drop("_m", "_o")
    )
    category_rank = inputs.categories.select("dimension", "category").with_row_index("_c")
    breakdowns = (
        disclosed.breakdowns.filter(up_to)
        .join(category_rank, on=["dimension", "category"], how="left", maintain_order="left")
        .with_columns(_m=pl.col("measure_code").replace_strict(measure_rank, return_dtype=pl.Int32))
        .sort("outcome", "_m", "_c", "period", nulls_last=True)
        .drop("_m", "_c")
    )
    return ExtractRows(rows, breakdowns, disclosed.reasons.filter(up_to))


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
    """Build, gate and publish the extract pack for ``period``: the partner pack for consumer
    ``community-planning``, else the ODB pack (``pack_kind``).

    Raises ``ExtractError`` (``UnknownPeriod``) when it cannot be built; returns a result with
    ``ok`` false (nothing published, ``message`` naming what failed) when the pack fails its
    gate.
    """
    kind = pack_kind(consumer)
    out_dir = (out_dir or kind.default_dir(settings.home, period)).resolve()
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
    kind = pack_kind(consumer)
    inputs = read_inputs(settings)
    disclosed = extract_rows(inputs, period, thresholds)
    categories = inputs.categories
    if kind.dimensions is not None:
        categories = categories.filter(pl.col("dimension").is_in(kind.dimensions))
    breakdowns = disclosed.breakdowns.filter(
        pl.col("dimension").is_in(categories["dimension"].unique().implode())
    )
    rows = disclosed.rows if kind.outcome_tables else disclosed.rows.clear()
    catalog = inputs.catalog if kind.outcome_tables else _broken_down(inputs.catalog, categories)
    versions = used_versions(inputs.file_versions, period)
    if not kind.outcome_tables:  # the returns behind its measures
        collections = catalog["source_collection"].unique().implode()
        versions = versions.filter(pl.col("collection").is_in(collections))
    audit = audit_rows(disclosed, inputs, period, thresholds)
    loaded = versions["loaded_at"].drop_nulls()
    periods = tuple(sorted(set(rows["period"]) | set(breakdowns["period"])))
    facts = PackFacts(
        period=period,
        periods=periods,
        consumer=consumer,
        built_at=dt.datetime.now().replace(microsecond=0).isoformat(sep=" "),
        data_as_at=loaded.max().replace(microsecond=0).isoformat(sep=" ") if loaded.len() else None,
        contact=configured_contact(),
        audit=_audit_text(kind, rows.height + breakdowns.height, disclosed, periods, audit),
        title=kind.title,
        suppression=count_suppressions(
            disclosed.reasons,
            inputs.catalog,
            rows=rows if kind.outcome_tables else None,
            breakdowns=breakdowns,
        ),
    )
    return StagedPack(
        kind=kind,
        inputs=inputs,
        rows=rows,
        breakdowns=breakdowns,
        catalog=catalog,
        categories=categories,
        versions=versions,
        facts=facts,
        thresholds=thresholds,
        measures=delivered(rows, breakdowns, catalog),
        audit=audit,
    )


def _broken_down(catalog: pl.DataFrame, categories: pl.DataFrame) -> pl.DataFrame:
    """The measures of ``catalog`` broken down by a dimension of ``categories``."""
    dimensions = categories["dimension"].unique().implode()
    codes = breakdown_dimensions(catalog).filter(pl.col("dimension").is_in(dimensions))
    return catalog.filter(pl.col("measure_code").is_in(codes["measure_code"].implode()))


def delivered(rows: pl.DataFrame, breakdowns: pl.DataFrame, catalog: pl.DataFrame) -> tuple:
    """What a delivery records: the measures the pack carries (catalog order), then each
    breakdown it carries as ``<measure_code>/<dimension>``."""
    codes = catalog["measure_code"].to_list()
    present = set(rows["measure_code"]) | set(breakdowns["measure_code"])
    pairs = set(breakdowns.select("measure_code", "dimension").unique().iter_rows())
    dimensions = breakdowns["dimension"].unique(maintain_order=True).to_list()
    by = [f"{c}/{d}" for c in codes for d in dimensions if (c, d) in pairs]
    return (*(c for c in codes if c in present), *by)


def _audit_text(
    kind: PackKind,
    published: int,
    disclosed: ExtractRows,
    periods: tuple[str, ...],
    audit: AuditResult | AuditBroken,
) -> str:
    every = disclosed.rows.height + disclosed.breakdowns.height
    span = f"every period from {periods[0]} to {periods[-1]}" if periods else "no period"
    if kind.outcome_tables and every == published:
        what = f"the {published} rows of the pack, {span}"
    else:  # the partner pack: audited with what the ODB pack of the period publishes
        what = (
            f"the {published} rows of this pack, {span}, together with the rows of the ODB "
            f"extract pack of the same period ({every} rows in all: the Trusts', the "
            "region's and every breakdown, disclosed alike), which a reader may hold too"
        )
    return (
        f"Audited: {what}, against the true values of the marts. {audit.method} Result: "
        f"{audit.summary()}."
    )


def audit_rows(
    disclosed: ExtractRows, inputs: ExtractInputs, period: str, thresholds: Thresholds
) -> AuditResult | AuditBroken:
    """The disclosure audit of every row published for the period (the outcome rows and every
    breakdown); published figures that break a relation of the seed mean nothing can be
    concluded, and so a failed audit."""
    up_to = pl.col("period") <= period
    try:
        return audit_disclosure(
            disclosed.rows,
            inputs.marts.filter(up_to),
            inputs.catalog,
            thresholds,
            breakdowns_published=disclosed.breakdowns,
            breakdowns_true=inputs.breakdowns.filter(up_to),
        )
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
    csv_dir = staging / "csv"
    csv_dir.mkdir()
    if staged.kind.outcome_tables:
        for name in OUTCOME_TABLES:
            table = staged.rows.filter(pl.col("outcome") == int(name[-1]))
            safe_frame(table).write_csv(csv_dir / f"{name}.csv")  # no text a spreadsheet runs
    safe_frame(staged.breakdowns).write_csv(staging / BREAKDOWNS_PATH)
    write_measures_csv(staging / MEASURES_PATH, staged.catalog)
    if staged.kind.outcome_tables:
        write_datapackage(
            staging,
            staged.resources,
            staged.facts,
            about="Outcome measures by Trust and for the region, and the region's breakdowns",
        )
        _write_odb_files(staging, staged)
    else:
        write_datapackage(
            staging,
            staged.resources,
            staged.facts,
            name=staged.kind.package_name,
            about="Social work measures by Local Government District",
        )
        _write_partner_files(staging, staged)


def _write_odb_files(staging: Path, staged: StagedPack) -> None:
    write_workbook(
        staging / staged.workbook_name,
        staged.rows,
        staged.catalog,
        staged.versions,
        facts=staged.facts,
        thresholds=staged.thresholds,
        orgs=org_order(),
        breakdowns=staged.breakdowns,
        categories=staged.categories,
    )
    (staging / "report.html").write_text(
        render_report(
            staged.rows,
            staged.catalog,
            period=staged.period,
            orgs=org_order(),
            thresholds=staged.thresholds,
            consumer=staged.facts.consumer,
            built_at=staged.facts.built_at,
            data_as_at=staged.facts.data_as_at,
            quality=staged.inputs.quality,
            quality_catalog=staged.inputs.quality_catalog,
            breakdowns=breakdown_sections(
                staged.breakdowns, staged.catalog, staged.categories, staged.period
            ),
        ),
        encoding="utf-8",
    )


def _write_partner_files(staging: Path, staged: StagedPack) -> None:
    partner.write_partner_workbook(
        staging / staged.workbook_name,
        staged.breakdowns,
        staged.catalog,
        staged.categories,
        staged.versions,
        facts=staged.facts,
        thresholds=staged.thresholds,
    )
    (staging / "report.html").write_text(
        render_partner_report(
            staged.breakdowns,
            staged.catalog,
            staged.categories,
            facts=staged.facts,
            thresholds=staged.thresholds,
        ),
        encoding="utf-8",
    )


def gate_pack(staging: Path, staged: StagedPack) -> GateResult:
    """The gate over the CSV files as written and the data package; its result to ``gate/``."""
    tables = {BREAKDOWNS: read_extract_csv(staging / BREAKDOWNS_PATH)}
    expected = None
    if staged.kind.outcome_tables:
        tables |= {t: read_extract_csv(staging / "csv" / f"{t}.csv") for t in OUTCOME_TABLES}
        expected = expected_keys(
            staged.inputs.file_versions, staged.inputs.outcome_catalog, staged.period
        )
    return run_gate(
        tables,
        catalog=staged.catalog,
        expected=expected,
        periods=staged.facts.periods,
        orgs=org_order(),
        thresholds=staged.thresholds,
        categories=staged.categories,
        expected_breakdowns=expected_breakdown_keys(
            staged.inputs.file_versions, staged.catalog, staged.categories, staged.period
        ),
        package=staging / "datapackage.json",
        audit=staged.audit,
        facts=staged.facts,
        out_dir=staging / "gate",
    )


def reject_pack(
    settings: Settings, staging: Path, staged: StagedPack, gate: GateResult, out_dir: Path
) -> PackResult:
    """Nothing is published: the gate's result goes to the rejected folder."""
    rejected = staged.kind.rejected_dir(settings.home, staged.period)
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
        kind=staged.kind,
    )


def publish_pack(
    settings: Settings, staging: Path, staged: StagedPack, gate: GateResult, out_dir: Path
) -> PackResult:
    """Record the delivery and move the staged files into ``out_dir``, in one transaction: a
    failed move records nothing."""
    digest = pack_digest(staging, staged.workbook_name, staged.resources)
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
        message=f"{staged.kind.title} for {staged.period} published to {out_dir} for "
        f"{staged.facts.consumer}: {len(staged.catalog)} measures, "
        f"{staged.rows.height + staged.breakdowns.height} rows; {gate.message}",
        kind=staged.kind,
    )


# -- files ------------------------------------------------------------------------------


def digest_files(workbook: str, resources: list[TableResource]) -> list[str]:
    """The pack's data, in digest order: the workbook, each CSV file of the data package (in
    its order), then ``datapackage.json``. The report and the gate's pages are renderings."""
    return [workbook, *(r.path for r in resources), "datapackage.json"]


def pack_digest(folder: Path, workbook: str, resources: list[TableResource]) -> str:
    """sha256 over ``digest_files`` concatenated (``cat`` them into ``sha256sum`` to check)."""
    digest = hashlib.sha256()
    for name in digest_files(workbook, resources):
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
