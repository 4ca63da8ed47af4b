"""The extract pack's validation gate: a Great Expectations suite run as checkpoints, the
Frictionless validation of ``datapackage.json`` and the disclosure audit's result.

One checkpoint per extract table (``outcome1`` ... ``outcome4``, the frames of the CSV files as
written) plus one over ``completeness`` (every measure x org x period that should have a row,
and whether it has one). A pack is published only if every expectation passes, its data package
is valid and the disclosure audit passed. The gate writes ``validation_result.json`` and
``report.html`` (every expectation with its observed value and result, the data package and the
audit; one self-contained page, readable offline) to the gate folder. Great Expectations' own
Data Docs are not built: they load scripts and styles from CDNs.

Great Expectations takes seconds to import: it is imported only when the gate runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from contracts.periods import Period
from pipelines.extract.datapackage import OBA_TYPES, PackageValidation, validate_datapackage
from pipelines.extract.disclosure import MART_COLUMNS, REGION, Thresholds, measure_catalog
from pipelines.extract.facts import PackFacts

if TYPE_CHECKING:
    import pandas as pd

TABLES = ("outcome1", "outcome2", "outcome3", "outcome4")
COMPLETENESS = "completeness"
IDENTIFIER_COLUMNS = ("hcn", "worker_id", "person_key", "worker_key")
TEXT_COLUMNS = ("measure_code", "oba_type", "org", "period", "baseline_period")
NUMBER_COLUMNS = ("numerator", "denominator", "value", "baseline_value", "change_from_baseline")
# the largest magnitude a figure may have: an HCN (or any 10-digit identifier) is larger
LARGEST_FIGURE = 999_999_999


@dataclass(frozen=True)
class ExpectationResult:
    table: str  # the checkpoint: an extract table or completeness
    expectation: str  # the Great Expectations type, e.g. expect_column_values_to_not_be_in_set
    description: str  # what it checks, in words
    success: bool = False
    column: str | None = None
    unexpected: int | None = None  # rows that broke it (row-wise expectations)
    rows: int | None = None  # rows it looked at (row-wise expectations)
    observed: Any = None  # the observed value (table-wise expectations)

    @property
    def observed_text(self) -> str:
        """What it saw, in words (counts only: no cell value is quoted)."""
        if self.unexpected is not None:
            of = "" if self.rows is None else f" of {self.rows}"
            return f"{self.unexpected}{of} rows unexpected"
        if self.observed is None:
            return "\u2013"
        if isinstance(self.observed, list | tuple):
            return ", ".join(str(v) for v in self.observed)
        return str(self.observed)

    def __str__(self) -> str:
        rows = "" if self.unexpected is None else f" ({self.unexpected} row(s))"
        observed = ""
        if self.unexpected is None and self.observed is not None:
            observed = f" (observed {self.observed})"
        return f"{self.table}: {self.description}{rows}{observed} [{self.expectation}]"


GateFailure = ExpectationResult  # a failed one


@dataclass(frozen=True)
class AuditBroken:
    """The disclosure audit could not conclude (``audit.AuditError``: the published figures
    break a relation of the seed): a failed audit, shaped like ``audit.AuditResult``."""

    reason: str
    passed: bool = False
    hidden: int = 0
    protected: int = 0
    pinned: tuple = ()
    method: str = "The disclosure audit stopped before solving anything."

    def summary(self) -> str:
        return f"disclosure audit failed: it could not conclude: {self.reason}"


@dataclass(frozen=True)
class GateResult:
    expectations: tuple[ExpectationResult, ...]
    package: PackageValidation | None = None  # None: no data package given to the gate
    audit: Any = None  # audit.AuditResult or AuditBroken; None: no audit given to the gate
    result_path: Path | None = None
    report_path: Path | None = None
    details: dict = field(default_factory=dict, repr=False)

    @property
    def evaluated(self) -> int:
        return len(self.expectations)

    @property
    def failures(self) -> tuple[ExpectationResult, ...]:
        return tuple(e for e in self.expectations if not e.success)

    @property
    def package_valid(self) -> bool:
        return self.package is None or self.package.valid

    @property
    def audit_passed(self) -> bool:
        return self.audit is None or bool(self.audit.passed)

    @property
    def success(self) -> bool:
        return not self.failures and self.package_valid and self.audit_passed

    @property
    def message(self) -> str:
        if self.success:
            parts = [f"gate passed: {self.evaluated} expectations met"]
            if self.package is not None:
                parts.append(self.package.message)
            if self.audit is not None:
                parts.append(self.audit.summary())
            return "; ".join(parts)
        parts = []
        if self.failures:
            failed = "; ".join(str(f) for f in self.failures)
            parts.append(f"{len(self.failures)} of {self.evaluated} expectations: {failed}")
        if not self.package_valid:
            parts.append(self.package.message)
        if not self.audit_passed:
            parts.append(self.audit.summary())
        return "gate failed: " + "; ".join(parts)

    def moved(self, source: Path, target: Path) -> GateResult:
        """The same result with its files' paths moved from folder ``source`` to ``target``."""

        def move(path: Path | None) -> Path | None:
            return None if path is None else target / path.relative_to(source)

        return dataclasses.replace(
            self, result_path=move(self.result_path), report_path=move(self.report_path)
        )


# -- the frames -------------------------------------------------------------------------


def read_extract_csv(path: Path) -> pd.DataFrame:
    """An extract CSV as the gate sees it: mart columns typed, empty cells missing."""
    import pandas as pd

    dtypes: dict[str, Any] = {"outcome": "Int64", "suppressed": "boolean"}
    dtypes |= {c: "float64" for c in NUMBER_COLUMNS} | {c: str for c in TEXT_COLUMNS}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])


def previous_period(period: str) -> str:
    return str(Period.parse(period).shift(-1))


def expected_keys(file_versions: pl.DataFrame, catalog: pl.DataFrame, period: str) -> pl.DataFrame:
    """(outcome, measure_code, org, period) rows the extract for ``period`` must have.

    measures.md: a measure has a row for (org, period) where the org loaded the return it is
    built from (REGION: where any org did); O4_RETENTION_PCT also needs the org's snapshot of
    the preceding quarter (REGION: where any Trust has a row).
    """
    loaded = (
        file_versions.filter(
            pl.col("is_current") & pl.col("refused").is_null() & (pl.col("period") <= period)
        )
        .select("collection", "org", "period")
        .unique()
    )
    loaded = pl.concat([loaded, loaded.with_columns(org=pl.lit(REGION))]).unique()
    measures = catalog.select(
        pl.col("outcome").cast(pl.Int32), "measure_code", collection="source_collection"
    )
    keys = measures.join(loaded, on="collection").drop("collection")
    retention = keys.filter(pl.col("measure_code") == "O4_RETENTION_PCT")
    trusts = retention.filter(pl.col("org") != REGION)
    workforce = loaded.filter(pl.col("collection") == "workforce").select("org", "period")
    previous = workforce.with_columns(
        pl.col("period").map_elements(lambda p: str(Period.parse(p).shift(1)), pl.String)
    )
    trusts = trusts.join(previous, on=["org", "period"], how="semi")
    region = trusts.select("outcome", "measure_code", "period").unique()
    region = region.with_columns(org=pl.lit(REGION)).select(trusts.columns)
    keys = pl.concat([keys.filter(pl.col("measure_code") != "O4_RETENTION_PCT"), trusts, region])
    return keys.unique().sort("outcome", "measure_code", "org", "period")


def completeness(tables: Mapping[str, pd.DataFrame], expected: pl.DataFrame) -> pd.DataFrame:
    """One row per key expected or present: ``expected`` and ``present`` flags."""
    key = ["measure_code", "org", "period"]
    present = pl.concat(
        [
            pl.DataFrame(
                {c: frame[c].astype(str).tolist() for c in key} if set(key) <= set(frame) else {},
                schema=dict.fromkeys(key, pl.String),
            ).with_columns(table=pl.lit(name))
            for name, frame in tables.items()
        ]
    ).with_columns(present=pl.lit(True))
    wanted = expected.select(
        pl.format("outcome{}", pl.col("outcome")).alias("table"), *key, expected=pl.lit(True)
    )
    both = wanted.join(present, on=["table", *key], how="full", coalesce=True)
    both = both.with_columns(pl.col("expected", "present").fill_null(False))
    return both.sort("table", *key).to_pandas()


# -- the suite --------------------------------------------------------------------------


def _conditions():
    from great_expectations.expectations.row_conditions import (
        AndCondition,
        Column,
        ComparisonCondition,
        Operator,
    )

    def equals(column: str, value: Any):
        return ComparisonCondition(column=Column(column), operator=Operator.EQUAL, parameter=value)

    def shown_and_in(codes: Sequence[str]):
        return AndCondition(
            conditions=[equals("suppressed", False), Column("measure_code").is_in(codes)]
        )

    return equals, Column, shown_and_in


def table_expectations(
    outcome: int, catalog: pl.DataFrame, periods: Sequence[str], orgs: Sequence[str], t: Thresholds
) -> list:
    """The expectations of one outcome table (each with a description used in messages)."""
    import great_expectations.expectations as gxe

    equals, column, shown_and_in = _conditions()
    cat = catalog.filter(pl.col("outcome").cast(pl.Int32) == outcome)
    typed = measure_catalog(cat)

    def codes(*, units: Sequence[str], controlled: bool | None = None) -> list[str]:
        rows = typed.filter(pl.col("unit").is_in(units))
        if controlled is not None:
            rows = rows.filter(pl.col("controlled") == controlled)
        return rows["measure_code"].to_list()

    small, thin = t.small_counts, sorted(set(t.small_counts) | set(t.thin_denominators))
    counts, sums = codes(units=["count"]), codes(units=["sum"])
    percents = codes(units=["percent"])
    controlled_counts = codes(units=["count", "sum"], controlled=True)
    controlled_shares = codes(units=["percent"], controlled=True)
    controlled_ratios = codes(units=["percent", "mean", "median"], controlled=True)
    uncontrolled = typed.filter(~pl.col("controlled"))["measure_code"].to_list()
    suppressed = equals("suppressed", True)

    out = [
        gxe.ExpectTableColumnsToMatchOrderedList(
            column_list=list(MART_COLUMNS),
            description="schema: exactly the mart columns, in order (so no identifier column "
            f"such as {', '.join(IDENTIFIER_COLUMNS)})",
        ),
    ]
    out += [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is always given")
        for c in ("outcome", "measure_code", "oba_type", "org", "period", "suppressed")
    ]
    out += [
        gxe.ExpectColumnValuesToBeInSet(
            column="outcome", value_set=[outcome], description=f"outcome is {outcome}"
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="measure_code",
            value_set=cat["measure_code"].to_list(),
            description=f"measure_code is a catalog measure of outcome {outcome}",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="oba_type", value_set=list(OBA_TYPES), description="oba_type is an OBA type"
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="org", value_set=list(orgs), description="org is a Trust or REGION"
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="period",
            value_set=list(periods),
            description=f"period is one of the {len(periods)} periods up to the pack's",
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["measure_code", "org", "period"],
            description="one row per (measure, org, period)",
        ),
    ]
    # value ranges
    if percents:
        out.append(
            gxe.ExpectColumnValuesToBeBetween(
                column="value",
                min_value=0,
                max_value=100,
                row_condition=column("measure_code").is_in(percents),
                description="a percentage is from 0 to 100",
            )
        )
    if counts or sums:
        out.append(
            gxe.ExpectColumnValuesToBeBetween(
                column="value",
                min_value=0,
                row_condition=column("measure_code").is_in(counts + sums),
                description="a count or sum is not negative",
            )
        )
    if counts + sums + percents:
        out.append(
            gxe.ExpectColumnValuesToBeBetween(
                column="numerator",
                min_value=0,
                row_condition=column("measure_code").is_in(counts + sums + percents),
                description="the numerator of a count, sum or share is not negative",
            )
        )
    out.append(
        gxe.ExpectColumnValuesToBeBetween(
            column="denominator", min_value=0, description="a denominator is not negative"
        )
    )
    # suppression invariants
    out += [
        gxe.ExpectColumnValuesToBeNull(
            column=c, row_condition=suppressed, description=f"a suppressed row has no {c}"
        )
        for c in ("value", "numerator", "denominator", "change_from_baseline")
    ]
    if controlled_counts:
        out.append(
            gxe.ExpectColumnValuesToNotBeInSet(
                column="value",
                value_set=small,
                row_condition=shown_and_in(controlled_counts),
                description=f"no visible person-based count from {small[0]} to {small[-1]}",
            )
        )
    if controlled_shares:
        out.append(
            gxe.ExpectColumnValuesToNotBeInSet(
                column="numerator",
                value_set=small,
                row_condition=shown_and_in(controlled_shares),
                description=f"no visible share numerator from {small[0]} to {small[-1]}",
            )
        )
    if controlled_ratios:
        out.append(
            gxe.ExpectColumnValuesToNotBeInSet(
                column="denominator",
                value_set=thin,
                row_condition=shown_and_in(controlled_ratios),
                description=f"no visible share or mean with a denominator from {thin[0]} to "
                f"{thin[-1]}",
            )
        )
    if uncontrolled:
        out.append(
            gxe.ExpectColumnValuesToBeInSet(
                column="suppressed",
                value_set=[False],
                row_condition=column("measure_code").is_in(uncontrolled),
                description="workforce and indicator measures are never suppressed",
            )
        )
    # no identifiers (the other text columns are held to their value sets above)
    out.append(
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="baseline_period",
            regex=r"\d{10}",
            description="no 10-digit value in baseline_period",
        )
    )
    out += [
        gxe.ExpectColumnValuesToBeBetween(
            column=c,
            min_value=-LARGEST_FIGURE,
            max_value=LARGEST_FIGURE,
            description=f"no 10-digit value in {c}",
        )
        for c in NUMBER_COLUMNS
    ]
    return out


def completeness_expectations() -> list:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="present",
            value_set=[True],
            description="completeness: every catalog measure x org x period whose return was "
            "loaded has a row",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="expected",
            value_set=[True],
            description="completeness: no row for a measure x org x period whose return was "
            "not loaded",
        ),
    ]


# -- running it -------------------------------------------------------------------------


def run_gate(
    tables: Mapping[str, pd.DataFrame],
    *,
    catalog: pl.DataFrame,
    expected: pl.DataFrame,
    periods: Sequence[str],
    orgs: Sequence[str],
    thresholds: Thresholds,
    package: Path | None = None,
    audit: Any = None,
    facts: PackFacts | None = None,
    out_dir: Path | None = None,
) -> GateResult:
    """Validate the four extract tables, then the data package at ``package`` (when given), and
    take the disclosure ``audit``'s result; write ``validation_result.json`` and ``report.html``
    into ``out_dir`` (when given)."""
    missing = [name for name in TABLES if name not in tables]
    if missing:
        raise ValueError(f"the gate needs every extract table: missing {', '.join(missing)}")
    run_at = dt.datetime.now(dt.UTC)
    expectations, described = run_expectations(
        tables,
        catalog=catalog,
        expected=expected,
        periods=periods,
        orgs=orgs,
        thresholds=thresholds,
    )
    gate = GateResult(
        expectations=tuple(expectations),
        package=validate_datapackage(package) if package is not None else None,
        audit=audit,
        details=described,
    )
    if out_dir is None:
        return gate
    from pipelines.extract.gate_report import render_gate_report

    out_dir.mkdir(parents=True, exist_ok=True)
    gate = dataclasses.replace(
        gate,
        result_path=out_dir / "validation_result.json",
        report_path=out_dir / "report.html",
    )
    document = {
        "success": gate.success,
        "run_at": run_at.isoformat(),
        "evaluated_expectations": gate.evaluated,
        "failed_expectations": [str(f) for f in gate.failures],
        "data_package": None if gate.package is None else _package_document(gate.package),
        "disclosure_audit": None if audit is None else _audit_document(audit),
        "checkpoints": described,
    }
    gate.result_path.write_text(json.dumps(document, indent=2, default=str))
    gate.report_path.write_text(
        render_gate_report(gate, facts=facts, run_at=run_at.isoformat(timespec="seconds")),
        encoding="utf-8",
    )
    return gate


def _package_document(package: PackageValidation) -> dict:
    return {
        "valid": package.valid,
        "resources": [{"name": n, "valid": v, "rows": r} for n, v, r in package.resources],
        "errors": [dataclasses.asdict(e) for e in package.errors],
    }


def _audit_document(audit: Any) -> dict:
    return {
        "passed": bool(audit.passed),
        "method": audit.method,
        "hidden": audit.hidden,
        "protected": audit.protected,
        "summary": audit.summary(),
        "pinned": [str(p) for p in audit.pinned],
    }


def run_expectations(
    tables: Mapping[str, pd.DataFrame],
    *,
    catalog: pl.DataFrame,
    expected: pl.DataFrame,
    periods: Sequence[str],
    orgs: Sequence[str],
    thresholds: Thresholds,
) -> tuple[list[ExpectationResult], dict[str, Any]]:
    """Every expectation's result, checkpoint by checkpoint, and each checkpoint's description
    (Great Expectations' ``describe_dict``)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("odb_extract")
    frames = {name: tables[name] for name in TABLES}
    frames[COMPLETENESS] = completeness(frames, expected)
    suites = {
        name: table_expectations(int(name[-1]), catalog, periods, orgs, thresholds)
        for name in TABLES
    } | {COMPLETENESS: completeness_expectations()}

    results: list[ExpectationResult] = []
    described: dict[str, Any] = {}
    for name, expectations in suites.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(
            gx.ExpectationSuite(name=f"odb_extract.{name}", expectations=expectations)
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"odb_extract.{name}", data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"odb_extract.{name}",
                validation_definitions=[definition],
                result_format={"result_format": "SUMMARY"},
            )
        )
        result = checkpoint.run(batch_parameters={"dataframe": frames[name]})
        described[name] = result.describe_dict()
        for validation in result.run_results.values():
            results += [_result(name, outcome) for outcome in validation.results]
    return results, described


def _result(table: str, outcome) -> ExpectationResult:
    config = outcome.expectation_config
    result = outcome.result or {}
    return ExpectationResult(
        table=table,
        expectation=config.type,
        description=config.description or config.type,
        success=bool(outcome.success),
        column=config.kwargs.get("column"),
        unexpected=result.get("unexpected_count"),
        rows=result.get("element_count"),
        observed=result.get("observed_value"),
    )
