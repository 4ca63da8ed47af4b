"""The ODB extract pack: files, workbook, CSV, report, validation gate and usage log."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import pytest

from contracts import reference
from pipelines.extract import ExtractError, UnknownPeriod, write_pack
from pipelines.extract import pack as pack_module
from pipelines.extract.audit import AuditError
from pipelines.extract.datapackage import pack_resources, validate_datapackage, write_datapackage
from pipelines.extract.disclosure import (
    BREAKDOWN_COLUMNS,
    MART_COLUMNS,
    disclose,
    load_thresholds,
)
from pipelines.extract.facts import PackFacts
from pipelines.extract.gate import (
    expected_breakdown_keys,
    expected_keys,
    read_extract_csv,
    run_gate,
)
from pipelines.extract.pack import org_order
from pipelines.extract.usage import deliveries
from pipelines.settings import Settings
from pipelines.warehouse import connect

TABLES = ["outcome1", "outcome2", "outcome3", "outcome4"]
CHROMIUM = Path("/usr/bin/chromium")


def _periods(settings) -> list[str]:
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute("select distinct period from marts.outcome1 order by 1").fetchall()
    return [period for (period,) in rows]


def _deliveries(settings) -> pl.DataFrame:
    with connect(settings.warehouse, read_only=True) as con:
        return deliveries(con)


@pytest.fixture(scope="module")
def pack(regional):
    """One published pack of the latest period of the shared load; its deliveries are removed
    from the usage log afterwards (other tests read it)."""
    settings, _, _, _ = regional
    period = _periods(settings)[-1]
    before = _deliveries(settings).height
    started = time.perf_counter()
    result = write_pack(settings, period)
    seconds = time.perf_counter() - started
    yield settings, result, before, seconds
    with connect(settings.warehouse) as con:
        con.execute(
            "delete from usage.deliveries where consumer like 'test-%' or out_dir = ?",
            [str(result.out_dir)],
        )


def _csv(result, table: str) -> pl.DataFrame:
    return pl.read_csv(result.out_dir / "csv" / f"{table}.csv", infer_schema_length=None)


def test_the_pack_is_published_with_every_file(pack):
    settings, result, _, seconds = pack
    assert result.ok, result.message
    assert result.out_dir == settings.home / "extracts" / result.period
    names = {
        p.relative_to(result.out_dir).as_posix() for p in result.out_dir.rglob("*") if p.is_file()
    }
    expected = {
        f"odb_extract_{result.period}.xlsx",
        "csv/outcome1.csv",
        "csv/outcome2.csv",
        "csv/outcome3.csv",
        "csv/outcome4.csv",
        "csv/breakdowns.csv",
        "csv/measures.csv",
        "datapackage.json",
        "report.html",
        "SHA256SUMS",
        "gate/validation_result.json",
        "gate/report.html",
    }
    assert names == expected  # no Data Docs: their pages load scripts from CDNs
    assert {p.relative_to(result.out_dir).as_posix() for p in result.files} == expected
    assert result.gate.success and result.gate.evaluated > 100
    assert result.gate.result_path == result.out_dir / "gate" / "validation_result.json"
    assert result.gate.report_path == result.out_dir / "gate" / "report.html"
    assert result.gate.package is not None and result.gate.package.valid
    assert result.gate.audit is not None and result.gate.audit.passed
    assert result.gate.audit.hidden > 0 and result.gate.audit.protected > 0
    assert result.gate.audit.summary() in result.message
    assert '"success": true' in result.gate.result_path.read_text()
    # the rates too; not the measures of the returns themselves (no outcome)
    catalog = reference.seed("measures").filter(pl.col("outcome").is_not_null())
    codes = [c for c in result.measures if "/" not in c]
    assert codes == catalog["measure_code"].to_list()  # the rates too, in catalog order
    broken_down = {
        f"{code}/{dimension}"
        for code, dimensions in catalog.select("measure_code", "breakdowns").iter_rows()
        for dimension in (dimensions or "").split()
    }
    assert set(result.measures) - set(codes) == broken_down
    assert "O1_ASCOT_PEOPLE_PER_10K/lgd" in result.measures
    assert not any(p.name.startswith(".") for p in result.out_dir.parent.iterdir())  # no staging
    assert seconds < 120  # about 8 s here, most of it importing Great Expectations


def test_csv_files_hold_the_disclosed_mart_rows_up_to_the_period(pack):
    settings, result, _, _ = pack
    with connect(settings.warehouse, read_only=True) as con:
        marts = pl.concat([con.sql(f"from marts.{t}").pl() for t in TABLES])
        breakdowns = con.sql("from marts.breakdowns").pl()
        catalog = con.sql("from reference.measures").pl()
    # the outcome rows and the breakdowns are disclosed together (linked by category)
    disclosed = disclose(marts, catalog, load_thresholds(), breakdowns=breakdowns)
    expected = disclosed.pack.filter(pl.col("period") <= result.period)
    written = _csv(result, "breakdowns")
    assert written.columns == list(BREAKDOWN_COLUMNS)
    expected_breakdowns = disclosed.breakdowns.filter(pl.col("period") <= result.period)
    bkey = ["measure_code", "dimension", "category", "period"]
    assert (
        written.cast(expected_breakdowns.schema)
        .sort(bkey)
        .equals(expected_breakdowns.sort(bkey), null_equal=True)
    )
    assert written["period"].max() == result.period
    frames = [_csv(result, t) for t in TABLES]
    for table, frame in zip(TABLES, frames, strict=True):
        assert frame.columns == list(MART_COLUMNS)
        assert set(frame["outcome"].to_list()) == {int(table[-1])}
    csv = pl.concat([f.cast(expected.schema) for f in frames])
    key = ["measure_code", "org", "period"]
    assert csv.sort(key).equals(expected.sort(key), null_equal=True)
    hidden = csv.filter(pl.col("suppressed"))
    assert hidden.height > 0
    for column in ("value", "numerator", "denominator"):
        assert hidden[column].null_count() == hidden.height
    raw = (result.out_dir / "csv" / "outcome1.csv").read_text().splitlines()
    assert raw[0] == ",".join(MART_COLUMNS)


def test_report_is_self_contained_with_a_chart_per_measure(pack):
    _, result, _, _ = pack
    page = (result.out_dir / "report.html").read_text()
    # a chart per outcome-table measure, and per measure of the returns (How well are the
    # returns doing: tests/test_quality.py)
    outcome_measures = set(pl.concat([_csv(result, t) for t in TABLES])["measure_code"])
    returns_measures = reference.seed("measures").filter(pl.col("outcome").is_null()).height
    charts = len(outcome_measures) + returns_measures
    assert page.count('<svg class="plot" role="img"') == charts
    assert page.count("<title id=") == charts
    assert not re.search(r"https?://", page)
    assert "<script" not in page and "<link" not in page
    for outcome in range(1, 5):
        assert f'id="outcome{outcome}"' in page
    assert ">[c]</td>" in page  # suppressed figures
    assert ">*</td>" not in page
    assert '<a href="gate/report.html">' in page
    assert "stroke-dasharray" in page  # baselines


def _chromium(tmp_path: Path, *args: str) -> str:
    """Run headless Chromium with the network off (no proxy reachable, no name resolves);
    returns what it prints (``--dump-dom``: the rendered DOM)."""
    profile = tempfile.mkdtemp(dir=tmp_path)
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        *args,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )
    try:
        out, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return out


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")
def test_report_renders_in_a_headless_browser(pack, tmp_path):
    _, result, _, _ = pack
    png = tmp_path / "report.png"
    _chromium(
        tmp_path,
        f"--screenshot={png}",
        "--window-size=1400,2400",
        (result.out_dir / "report.html").as_uri(),
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1400, 2400)
    assert len(data) > 50_000  # a blank page of this size is a few kilobytes


def test_the_gate_report_is_self_contained_and_lists_every_check(pack):
    _, result, _, _ = pack
    page = result.gate.report_path.read_text()
    assert not re.search(r"(https?:)?//|@import|url\(|<script|<link|<img|<iframe", page)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    assert page.count('<tr class="result pass">') == result.gate.evaluated
    assert '<tr class="result fail">' not in page
    assert page.count('<th scope="row">') >= result.gate.evaluated
    for expectation in result.gate.expectations:
        assert f"<code>{expectation.expectation}</code>" in page
    assert "<strong>Passed</strong>" in page
    assert "Data package" in page and "Disclosure audit" in page
    assert "\u2713 Passed" in page and html.escape(result.gate.audit.summary()) in page
    rows = sum(_csv(result, t).height for t in [*TABLES, "breakdowns"])
    assert f"Audited: the {rows} rows of the pack" in page
    for name, _, _ in result.gate.package.resources:
        assert f'<th scope="row">{name}</th>' in page
    assert page.count("<caption id=") >= 6


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")
def test_the_gate_report_shows_its_results_offline_in_a_browser(pack, tmp_path):
    _, result, _, _ = pack
    dom = _chromium(tmp_path, "--dump-dom", result.gate.report_path.as_uri())
    rows = re.findall(r'<tr class="result (pass|fail)">', dom)
    assert len(rows) == result.gate.evaluated > 100
    assert set(rows) == {"pass"}
    assert dom.count("\u2713 Pass</span>") == result.gate.evaluated


def test_the_data_package_describes_every_csv(pack):
    settings, result, _, _ = pack
    with connect(settings.warehouse, read_only=True) as con:
        # the pack's catalogue: csv/measures.csv defines the LGD rates of the breakdowns too;
        # not the measures of the returns themselves (no outcome)
        catalog = con.sql("from reference.measures where outcome is not null").pl()
    package = json.loads((result.out_dir / "datapackage.json").read_text())
    assert package["profile"] == "tabular-data-package"
    resources = {r["name"]: r for r in package["resources"]}
    assert list(resources) == [*TABLES, "breakdowns", "measures"]
    for resource in resources.values():
        data = (result.out_dir / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == f"sha256:{hashlib.sha256(data).hexdigest()}"
        assert resource["schema"]["missingValues"] == [""]
    for table in TABLES:
        schema = resources[table]["schema"]
        fields = {f["name"]: f for f in schema["fields"]}
        assert list(fields) == list(MART_COLUMNS)
        assert schema["primaryKey"] == ["measure_code", "org", "period"]
        assert schema["foreignKeys"] == [
            {
                "fields": ["measure_code"],
                "reference": {"resource": "measures", "fields": ["measure_code"]},
            }
        ]
        codes = catalog.filter(
            (pl.col("outcome").cast(pl.Int32) == int(table[-1])) & ~pl.col("breakdown_only")
        )["measure_code"]
        assert fields["measure_code"]["constraints"]["enum"] == codes.to_list()
        assert fields["org"]["constraints"]["enum"] == org_order()
        assert fields["oba_type"]["constraints"]["enum"] == [
            "how_much",
            "how_well",
            "better_off",
            "population",
        ]
        assert fields["period"]["constraints"]["pattern"] == r"\d{4}-\d{2}-Q[1-4]"
        assert fields["suppressed"]["type"] == "boolean"
        assert {fields[c]["type"] for c in ("numerator", "value", "change_from_baseline")} == {
            "number"
        }
    measures = resources["measures"]
    assert measures["schema"]["primaryKey"] == ["measure_code"]
    assert [f["name"] for f in measures["schema"]["fields"]] == catalog.columns
    assert "short_name" in catalog.columns
    written = pl.read_csv(result.out_dir / "csv" / "measures.csv", infer_schema=False)
    assert written["measure_code"].to_list() == catalog["measure_code"].to_list()
    checked = validate_datapackage(result.out_dir / "datapackage.json")
    assert checked.valid and not checked.errors
    assert dict((n, r) for n, _, r in checked.resources) == {
        **{t: _csv(result, t).height for t in [*TABLES, "breakdowns"]},
        "measures": catalog.height,
    }


def _replace_line(path: Path, index: int, old: str, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[index]
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines))


def _duplicate_line(path: Path, index: int) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines, lines[index]]))


@pytest.mark.parametrize(
    ("change", "redescribe", "expected"),
    [
        (lambda d: _duplicate_line(d / "csv/outcome2.csv", 1), True, ("outcome2", "primary-key")),
        (
            lambda d: _replace_line(d / "csv/outcome1.csv", 1, "O1_ASCOT_PEOPLE", "O1_NOT_A_CODE"),
            True,
            ("outcome1", "foreign-key"),
        ),
        (
            lambda d: _replace_line(d / "csv/outcome1.csv", 2, ",2025-26-Q", ",2025-26-Q9"),
            True,
            ("outcome1", "constraint-error"),
        ),
        (
            lambda d: _replace_line(d / "csv/outcome3.csv", 1, ",false", ",no"),
            True,
            ("outcome3", "type-error"),
        ),
        (
            lambda d: _replace_line(d / "csv/measures.csv", 1, ",People ", ",=People "),
            True,
            ("measures", "constraint-error"),
        ),
        (
            lambda d: _replace_line(d / "csv/outcome4.csv", 1, ",BHSCT,", ",NHSCT,"),
            False,  # a file changed after it was described: size and hash differ
            ("outcome4", "hash-count"),
        ),
    ],
    ids=["duplicate-key", "unknown-measure", "bad-period", "bad-boolean", "formula", "tampered"],
)
def test_the_data_package_validation_catches(pack, tmp_path, change, redescribe, expected):
    settings, result, _, _ = pack
    folder = tmp_path / "pack"
    shutil.copytree(result.out_dir, folder)
    change(folder)
    if redescribe:
        with connect(settings.warehouse, read_only=True) as con:
            catalog = con.sql("from reference.measures").pl()
        facts = PackFacts(
            period=result.period,
            periods=(result.period,),
            consumer="test",
            built_at="2026-01-01 00:00:00",
            data_as_at=None,
        )
        write_datapackage(folder, pack_resources(catalog, org_order()), facts)
    checked = validate_datapackage(folder / "datapackage.json")
    assert not checked.valid
    assert expected in {(e.resource, e.type) for e in checked.errors}
    assert "data package invalid" in checked.message


def test_a_pack_whose_data_package_is_invalid_is_not_published(pack, tmp_path, monkeypatch):
    settings, result, _, _ = pack
    deliveries_before = _deliveries(settings).height
    catalog_writer = pack_module.write_measures_csv

    def short_catalog(path, catalog):  # the catalogue loses a measure the tables still use
        return catalog_writer(path, catalog.filter(pl.col("measure_code") != "O2_WTE"))

    monkeypatch.setattr(pack_module, "write_measures_csv", short_catalog)
    out = tmp_path / "published"
    failed = write_pack(settings, result.period, out_dir=out, consumer="test-package")
    assert not failed.ok and not failed.files
    assert not failed.gate.failures  # every expectation met: the data package failed it
    assert not failed.gate.package.valid
    assert "data package invalid" in failed.message and "foreign-key" in failed.message
    assert "outcome2" in failed.message
    assert not out.exists() or not any(out.iterdir())
    assert _deliveries(settings).height == deliveries_before
    page = failed.gate.report_path.read_text()
    assert "\u2717 Invalid" in page and "foreign-key" in page


def test_the_delivery_is_in_the_usage_log(pack):
    settings, result, before, _ = pack
    log = _deliveries(settings)
    assert log.height > before
    mine = log.filter(pl.col("pack_sha256") == result.pack_sha256)
    assert mine.height == 1
    row = mine.row(0, named=True)
    assert row["consumer"] == "ODB" and row["period"] == result.period
    assert row["out_dir"] == str(result.out_dir)
    assert row["measures"] == list(result.measures)
    digest = hashlib.sha256()
    tables = [*TABLES, "breakdowns", "measures"]
    names = [result.workbook.name, *(f"csv/{t}.csv" for t in tables)]
    for name in [*names, "datapackage.json"]:
        digest.update((result.out_dir / name).read_bytes())
    assert digest.hexdigest() == result.pack_sha256


def test_sha256sums_cover_every_published_file(pack):
    _, result, _, _ = pack
    lines = (result.out_dir / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        checksum, name = line.split("  ")
        listed[name] = checksum
    files = {
        p.relative_to(result.out_dir).as_posix(): p
        for p in result.out_dir.rglob("*")
        if p.is_file() and p.name != "SHA256SUMS"
    }
    assert set(listed) == set(files)
    assert "gate/report.html" in listed and "datapackage.json" in listed
    for name, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[name], name


def test_a_second_delivery_is_a_second_row(pack, tmp_path):
    settings, _, _, _ = pack
    before = _deliveries(settings).height
    out = tmp_path / "board-pack"
    (out / "csv").mkdir(parents=True)
    (out / "keep-me.txt").write_text("not the pack's")
    (out / "csv" / "outcome1.csv").write_text("stale")
    first = _periods(settings)[0]
    again = write_pack(settings, first, out_dir=out, consumer="test-board")
    assert again.ok, again.message
    assert (out / "keep-me.txt").exists()  # other files in the folder are left alone
    assert _csv(again, "outcome1")["period"].max() == first
    log = _deliveries(settings)
    assert log.height == before + 1
    assert log.row(-1, named=True)["consumer"] == "test-board"
    assert log.row(-1, named=True)["period"] == first


def test_an_unknown_period_is_a_clear_error_and_writes_nothing(pack, tmp_path):
    settings, _, _, _ = pack
    before = _deliveries(settings).height
    with pytest.raises(UnknownPeriod, match="no mart rows for period 2009-10-Q1"):
        write_pack(settings, "2009-10-Q1", out_dir=tmp_path / "x")
    with pytest.raises(UnknownPeriod, match="not a period"):
        write_pack(settings, "2025Q1", out_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    assert _deliveries(settings).height == before
    with pytest.raises(ExtractError, match="no warehouse"):
        write_pack(Settings(home=tmp_path / "none", landing=tmp_path), "2025-26-Q1")


def test_a_pack_failing_its_gate_is_not_published(pack, tmp_path, leaky_disclosure):
    settings, result, _, _ = pack
    deliveries_before = _deliveries(settings).height
    out = tmp_path / "published"
    failed = write_pack(settings, result.period, out_dir=out, consumer="test-leak")
    assert not failed.ok
    assert "no visible person-based count from 1 to 4" in failed.message
    assert "outcome1" in failed.message
    assert any(
        f.expectation == "expect_column_values_to_not_be_in_set" for f in failed.gate.failures
    )
    assert not out.exists() or not any(out.iterdir())  # nothing published
    assert not failed.files and failed.pack_sha256 is None
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # staging removed
    rejected = failed.rejected_dir / "gate" / "validation_result.json"
    assert rejected.exists() and '"success": false' in rejected.read_text()
    assert failed.gate.report_path == failed.rejected_dir / "gate" / "report.html"
    assert str(failed.gate.report_path) in failed.message
    page = failed.gate.report_path.read_text()
    assert "<strong>Failed</strong>" in page
    assert page.count('<tr class="result fail">') == len(failed.gate.failures) >= 1
    assert _deliveries(settings).height == deliveries_before
    # the published pack of the fixture is untouched
    assert (result.out_dir / "report.html").exists()


def _leak_one_protected_count(marts, out, period):
    """Show the true figures of every hidden row but one protected DSF due count in a
    (measure, period): REGION minus the Trusts shown then gives it away. Each figure shown is 0
    or 5 and more, so no expectation of the gate sees it; only the audit can."""
    true = marts.select("measure_code", "org", "period", true=pl.col("value"))
    rows = out.with_row_index("_i").join(true, on=["measure_code", "org", "period"], how="left")
    due = rows.filter(
        pl.col("measure_code").str.starts_with("O3_DSF_DUE")
        & (pl.col("period") <= period)
        & pl.col("suppressed")
    )
    small = pl.col("true").is_between(1, 4)
    for (_, _), group in sorted(due.group_by("measure_code", "period"), key=lambda g: g[0]):
        targets = group.filter(small & (pl.col("org") != "REGION"))
        if targets.height == 1 and group.height > 1 and not group.filter(small).height > 1:
            shown = group.filter(~small)
            at = pl.col("_i").is_in(shown["_i"].to_list())
            leaked = rows.with_columns(
                pl.when(at).then(pl.col("true")).otherwise(pl.col(c)).alias(c)
                for c in ("value", "numerator")
            ).with_columns(suppressed=pl.when(at).then(False).otherwise(pl.col("suppressed")))
            return leaked.drop("_i", "true"), targets.row(0, named=True)
    raise AssertionError("no DSF due count to leak in the sample")


def test_a_pack_whose_suppression_leaks_fails_the_audit_and_is_not_published(
    pack, tmp_path, monkeypatch
):
    settings, result, _, _ = pack
    deliveries_before = _deliveries(settings).height
    leaked = {}

    def leaky(marts, *args, **kwargs):
        out = disclose(marts, *args, **kwargs)
        rows, leaked["target"] = _leak_one_protected_count(marts, out.pack, result.period)
        return dataclasses.replace(out, pack=rows)

    monkeypatch.setattr(pack_module, "disclose", leaky)
    out = tmp_path / "published"
    failed = write_pack(settings, result.period, out_dir=out, consumer="test-audit")
    target = leaked["target"]
    assert not failed.ok and not failed.files and failed.pack_sha256 is None
    assert not failed.gate.failures  # every expectation met
    assert failed.gate.package.valid  # and the data package valid: the audit stops it
    assert not failed.gate.audit.passed
    pinned = {(p.measure_code, p.org, p.period, p.figure) for p in failed.gate.audit.pinned}
    assert (target["measure_code"], target["org"], target["period"], "value") in pinned
    assert "disclosure audit failed" in failed.message
    assert f"{target['measure_code']} {target['org']} {target['period']} value" in failed.message
    assert not out.exists() or not any(out.iterdir())
    assert _deliveries(settings).height == deliveries_before
    document = json.loads(failed.gate.result_path.read_text())
    assert document["success"] is False and document["disclosure_audit"]["passed"] is False
    page = failed.gate.report_path.read_text()
    assert "\u2717 Failed" in page and "<h3>Pinned figures</h3>" in page


def test_an_audit_that_cannot_conclude_fails_the_gate(pack, tmp_path, monkeypatch):
    settings, result, _, _ = pack

    def broken(*args, **kwargs):
        raise AuditError("relation O3_DSF_DUE: REGION is not the sum of the Trusts")

    monkeypatch.setattr(pack_module, "audit_disclosure", broken)
    out = tmp_path / "published"
    failed = write_pack(settings, result.period, out_dir=out, consumer="test-audit")
    assert not failed.ok and not failed.gate.failures and failed.gate.package.valid
    assert "disclosure audit failed: it could not conclude: relation O3_DSF_DUE" in failed.message
    assert not out.exists() or not any(out.iterdir())
    assert "Why it could not conclude" in failed.gate.report_path.read_text()


def test_the_gate_names_schema_identifier_and_completeness_failures(pack, tmp_path):
    settings, result, _, _ = pack
    with connect(settings.warehouse, read_only=True) as con:
        catalog = con.sql("from reference.measures where not breakdown_only").pl()
        file_versions = con.sql("from ingest.file_versions").pl()
    tables = {t: read_extract_csv(result.out_dir / "csv" / f"{t}.csv") for t in TABLES}
    tables["outcome2"]["hcn"] = "4505577104"  # an identifier column
    tables["outcome3"].loc[0, "denominator"] = 4_505_577_104.0  # a 10-digit number
    tables["outcome4"] = tables["outcome4"].iloc[1:]  # a missing row
    shown = tables["outcome1"]["suppressed"] == False  # noqa: E712 (pandas mask)
    first = tables["outcome1"].index[
        shown & tables["outcome1"]["measure_code"].eq("O1_RAW_GOOD_PCT")
    ][0]
    tables["outcome1"].loc[first, "denominator"] = 7.0  # a visible thin share
    gate = run_gate(
        tables,
        catalog=catalog,
        expected=expected_keys(file_versions, catalog, result.period),
        periods=sorted({p for f in tables.values() for p in f["period"]}),
        orgs=org_order(),
        thresholds=load_thresholds(),
        out_dir=tmp_path / "gate",
    )
    assert not gate.success
    failed = {(f.table, f.description.split(":")[0].split(" (")[0]) for f in gate.failures}
    assert ("outcome2", "schema") in failed
    assert ("outcome3", "no 10-digit value in denominator") in failed
    assert ("completeness", "completeness") in failed
    assert any(
        f.table == "outcome1" and "denominator from 1 to 9" in f.description for f in gate.failures
    )
    assert "schema" in gate.message and "completeness" in gate.message
    page = (tmp_path / "gate" / "report.html").read_text()
    assert page.count('<tr class="result fail">') == len(gate.failures)
    assert page.count('<tr class="result ') == gate.evaluated
    assert "4505577104" not in page  # counts, never a cell's value
    assert not (tmp_path / "gate" / "data_docs").exists()


def test_the_breakdowns_are_described_and_gated(pack):
    _, result, _, _ = pack
    package = json.loads((result.out_dir / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["name"] == "breakdowns")
    schema = resource["schema"]
    assert resource["path"] == "csv/breakdowns.csv"
    assert [f["name"] for f in schema["fields"]] == list(BREAKDOWN_COLUMNS)
    assert schema["primaryKey"] == ["measure_code", "dimension", "category", "period"]
    assert schema["foreignKeys"][0]["reference"] == {
        "resource": "measures",
        "fields": ["measure_code"],
    }
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["org"]["constraints"]["enum"] == ["REGION"]
    assert fields["dimension"]["constraints"]["enum"] == [
        "lgd",
        "programme_of_care",
        "sex",
        "age_band",
    ]
    assert {"N09000011", "POC7", "U", "85+"} <= set(fields["category"]["constraints"]["enum"])
    checkpoints = {e.table for e in result.gate.expectations}
    assert {"breakdowns", "breakdown_completeness", "rates"} <= checkpoints
    for name in ("breakdowns", "breakdown_completeness", "rates"):
        assert all(e.success for e in result.gate.expectations if e.table == name)
    descriptions = {e.description for e in result.gate.expectations if e.table == "breakdowns"}
    assert "category is a category of its dimension" in descriptions
    assert "no visible person-based count from 1 to 4" in descriptions
    document = json.loads(result.gate.result_path.read_text())
    assert document["disclosure_audit"]["passed"] is True
    # the audit covered the breakdowns: their hidden figures are among those it examined
    frame = _csv(result, "breakdowns")
    assert frame.filter(pl.col("suppressed")).height > 0
    assert document["disclosure_audit"]["hidden"] > sum(
        _csv(result, t)["suppressed"].sum() for t in TABLES
    )


def test_the_gate_counts_what_each_rule_hid_per_table(pack):
    _, result, _, _ = pack
    document = json.loads(result.gate.result_path.read_text())
    counts = {c["table"]: c for c in document["suppression"]}
    assert list(counts) == ["outcome tables", "lgd", "programme_of_care", "sex", "age_band"]
    controlled = reference.seed("measures").filter(pl.col("disclosure_control") == "true")
    codes = controlled["measure_code"].implode()
    breakdowns = _csv(result, "breakdowns").filter(pl.col("measure_code").is_in(codes))
    outcome = pl.concat([_csv(result, t) for t in TABLES]).filter(
        pl.col("measure_code").is_in(codes)
    )
    tables = {"outcome tables": outcome} | {
        d: breakdowns.filter(pl.col("dimension") == d) for d in counts if d != "outcome tables"
    }
    for name, frame in tables.items():  # the counts agree with the files as published
        count = counts[name]
        assert (count["rows"], count["hidden"]) == (frame.height, frame["suppressed"].sum())
        assert count["shown"] == count["rows"] - count["hidden"]
        assert sum(count["hidden_by"].values()) == count["hidden"]
        # thin figures: secondary suppression leaves most rows shown
        secondary = sum(count["hidden_by"][r] for r in ("rule 3", "rule 6", "rate"))
        primary = count["hidden_by"]["rule 1"] + count["hidden_by"]["rule 2"]
        assert count["shown"] > count["rows"] / 2 and secondary <= primary, (name, count)
    assert counts["lgd"]["hidden_by"]["rule 1"] > 0
    page = result.gate.report_path.read_text()
    assert "Figures hidden by each disclosure rule" in page
    for name, count in counts.items():
        label = name if name == "outcome tables" else f"breakdowns by {name}"
        cells = [count["rows"], f"{count['shown']} (", *count["hidden_by"].values()]
        row = re.search(rf'<tr><th scope="row">{label}</th>(.*?)</tr>', page).group(1)
        assert row.startswith(f"<td>{cells[0]}</td><td>{cells[1]}")
        numbers = re.findall(r"<td>(\d+)</td>", row)
        by_rule = [count["hidden_by"][r] for r in ("rule 1", "rule 2", "rule 3", "rate", "rule 6")]
        assert [int(n) for n in numbers] == [count["rows"], *by_rule, count["hidden"]]


def test_the_report_has_a_table_per_dimension_and_the_lgd_rates_trend(pack):
    _, result, _, _ = pack
    page = (result.out_dir / "report.html").read_text()
    section = page[page.index('id="breakdowns"') :]
    assert section.count('class="figures breakdown"') == 4
    for dimension in ("lgd", "programme_of_care", "sex", "age_band"):
        assert f'id="by-{dimension}"' in section
        # the accessible table: a labelled region to scroll in, its shorthand explained beside
        assert f'aria-labelledby="table-by-{dimension}-caption" tabindex="0"' in section
        assert f'aria-describedby="symbols-by-{dimension}"' in section
    assert section.count('class="figures trend"') == 3  # the three LGD rates
    assert "People assessed (ASCOT) per 10,000 residents: trend" in section
    assert '<th scope="row" class="measure">Belfast</th>' in section
    caption = f"<span>Region by sex, {result.period.replace('-Q', ' Q')}</span></caption>"
    assert caption in section
    assert '<th scope="col">2025-26 Q4</th>' in section
    assert ">[c]</td>" in section


def test_the_gate_catches_breakdown_leaks_and_gaps(pack, tmp_path):
    settings, result, _, _ = pack
    inputs = pack_module.read_inputs(settings)
    good = read_extract_csv(result.out_dir / "csv" / "breakdowns.csv")
    true = inputs.breakdowns.filter(pl.col("period") == result.period)
    small = true.filter(
        (pl.col("measure_code") == "O1_ASCOT_PEOPLE") & pl.col("value").is_between(1, 4)
    ).row(0, named=True)
    bad = good.copy()
    at = (bad["measure_code"] == "O1_ASCOT_PEOPLE_PER_10K") & (bad["period"] == result.period)
    count_hidden = set(
        good[(good["measure_code"] == "O1_ASCOT_PEOPLE") & good["suppressed"]]["category"]
    )
    leak = bad.index[at & bad["category"].isin(count_hidden - {small["category"]})][0]
    bad.loc[leak, ["suppressed", "numerator", "value"]] = [False, 3.0, 0.3]  # a rate shown
    shown = bad.index[
        (bad["measure_code"] == "O1_ASCOT_PEOPLE")
        & (bad["category"] == small["category"])
        & (bad["period"] == result.period)
    ][0]
    bad.loc[shown, ["suppressed", "numerator", "value"]] = [False, small["value"], small["value"]]
    misplaced = bad.index[bad["dimension"] == "sex"][0]
    bad.loc[misplaced, "category"] = "N09000001"  # not a category of sex
    bad = bad.drop(bad.index[bad["dimension"] == "age_band"][0])  # a missing cell
    gate = run_gate(
        {"breakdowns": bad},
        catalog=inputs.catalog,
        expected=None,
        periods=sorted(set(good["period"])),
        orgs=org_order(),
        thresholds=load_thresholds(),
        categories=inputs.categories,
        expected_breakdowns=expected_breakdown_keys(
            inputs.file_versions, inputs.catalog, inputs.categories, result.period
        ),
        out_dir=tmp_path / "gate",
    )
    failed = {(f.table, f.description) for f in gate.failures}
    assert failed == {
        ("breakdowns", "no visible person-based count from 1 to 4"),
        ("breakdowns", "category is a category of its dimension"),
        ("breakdowns", "no visible share or rate numerator from 1 to 4"),
        (
            "breakdown_completeness",
            "completeness: every broken-down measure x dimension category x period whose "
            "return was loaded has a row",
        ),
        (
            "breakdown_completeness",
            "completeness: no breakdown row for a measure x dimension category x period that "
            "should not have one",
        ),
        ("rates", "rates: a rate cell is suppressed exactly where its count is"),
    }


def test_the_gate_stays_out_of_the_import():
    script = (
        "import sys, pipelines.extract; "
        "print('great_expectations' in sys.modules, 'frictionless' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
