"""The ODB extract pack: files, workbook, CSV, report, validation gate and usage log."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from contracts import reference
from pipelines.extract import ExtractError, UnknownPeriod, write_pack
from pipelines.extract import pack as pack_module
from pipelines.extract.disclosure import MART_COLUMNS, apply_disclosure, load_thresholds
from pipelines.extract.gate import expected_keys, read_extract_csv, run_gate
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
    names = {p.relative_to(result.out_dir).as_posix() for p in result.out_dir.rglob("*")}
    expected = {
        f"odb_extract_{result.period}.xlsx",
        "csv/outcome1.csv",
        "csv/outcome2.csv",
        "csv/outcome3.csv",
        "csv/outcome4.csv",
        "report.html",
        "SHA256SUMS",
        "gate/validation_result.json",
        "gate/data_docs/index.html",
    }
    assert expected <= names
    assert all(path.exists() for path in result.files)
    assert result.gate.success and result.gate.evaluated > 100
    assert result.gate.result_path == result.out_dir / "gate" / "validation_result.json"
    assert '"success": true' in result.gate.result_path.read_text()
    outcome_measures = reference.seed("measures").filter(pl.col("breakdown_only") == "false")
    assert set(result.measures) == set(outcome_measures["measure_code"])
    assert not any(p.name.startswith(".") for p in result.out_dir.parent.iterdir())  # no staging
    assert seconds < 120  # about 8 s here, most of it importing Great Expectations


def test_csv_files_hold_the_disclosed_mart_rows_up_to_the_period(pack):
    settings, result, _, _ = pack
    with connect(settings.warehouse, read_only=True) as con:
        marts = pl.concat([con.sql(f"from marts.{t}").pl() for t in TABLES])
        catalog = con.sql("from reference.measures where not breakdown_only").pl()
    expected = apply_disclosure(marts, catalog, load_thresholds())
    expected = expected.filter(pl.col("period") <= result.period)
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


def test_workbook_sheets_headers_numbers_and_stars(pack):
    _, result, _, _ = pack
    book = openpyxl.load_workbook(result.workbook)
    assert book.sheetnames == [*TABLES, "notes"]
    for table in TABLES:
        sheet = book[table]
        header = [cell.value for cell in sheet[1]]
        assert header == list(MART_COLUMNS)
        assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("005EB8")
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["B"].width > 15  # measure codes are readable
        csv = _csv(result, table)
        rows = list(sheet.iter_rows(min_row=2, max_row=csv.height + 1, values_only=True))
        assert len(rows) == csv.height
        value_at = header.index("value")
        for row, expected in zip(rows, csv.iter_rows(named=True), strict=True):
            assert row[header.index("measure_code")] == expected["measure_code"]
            if expected["suppressed"]:
                assert row[value_at] == "*" and row[header.index("numerator")] == "*"
            elif expected["value"] is not None:
                assert isinstance(row[value_at], int | float)
                assert row[value_at] == pytest.approx(expected["value"])
            assert isinstance(row[header.index("outcome")], int)
        footnote = sheet.cell(row=csv.height + 3, column=1).value
        assert footnote.startswith("* Suppressed")
    stars = sum(1 for t in TABLES for row in book[t].iter_rows(values_only=True) if "*" in row)
    assert stars > 0


def test_notes_sheet_says_what_and_where_from(pack):
    settings, result, _, _ = pack
    notes = openpyxl.load_workbook(result.workbook)["notes"]
    text = "\n".join(
        str(value) for row in notes.iter_rows(values_only=True) for value in row if value
    )
    assert "Data as at" in text and result.period in text
    assert "from 1 to 4" in text and "from 1 to 9" in text  # the configured thresholds
    outcome_measures = reference.seed("measures").filter(pl.col("breakdown_only") == "false")
    for definition in outcome_measures["definition"]:
        assert definition in text
    with connect(settings.warehouse, read_only=True) as con:
        used = con.execute(
            "select file_name, version from ingest.file_versions where is_current "
            "and refused is null and period <= ?",
            [result.period],
        ).fetchall()
    assert used
    for file_name, _ in used:
        assert file_name in text


def test_report_is_self_contained_with_a_chart_per_measure(pack):
    _, result, _, _ = pack
    page = (result.out_dir / "report.html").read_text()
    assert page.count("<svg") == len(result.measures)
    assert page.count("<title id=") == len(result.measures)
    assert not re.search(r"https?://", page)
    assert "<script" not in page and "<link" not in page
    for outcome in range(1, 5):
        assert f'id="outcome{outcome}"' in page
    assert ">*</td>" in page  # suppressed figures
    assert "stroke-dasharray" in page  # baselines


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")
def test_report_renders_in_a_headless_browser(pack, tmp_path):
    _, result, _, _ = pack
    png = tmp_path / "report.png"
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
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        "--window-size=1400,2400",
        (result.out_dir / "report.html").as_uri(),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        process.wait(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1400, 2400)
    assert len(data) > 50_000  # a blank page of this size is a few kilobytes


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
    for path in [result.workbook] + [result.out_dir / "csv" / f"{t}.csv" for t in TABLES]:
        digest.update(path.read_bytes())
    assert digest.hexdigest() == result.pack_sha256


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


def test_a_pack_failing_its_gate_is_not_published(pack, tmp_path, monkeypatch):
    settings, result, _, _ = pack
    deliveries_before = _deliveries(settings).height
    catalog = reference.seed("measures")
    counts = catalog.filter((pl.col("unit") == "count") & (pl.col("disclosure_control") == "true"))
    target = counts["measure_code"][0]

    def leaky(marts, *args, **kwargs):
        out = apply_disclosure(marts, *args, **kwargs)
        row = (pl.col("measure_code") == target) & (pl.col("org") == "BHSCT")
        return out.with_columns(
            pl.when(row).then(3.0).otherwise(pl.col(c)).alias(c) for c in ("value", "numerator")
        ).with_columns(suppressed=pl.when(row).then(False).otherwise(pl.col("suppressed")))

    monkeypatch.setattr(pack_module, "apply_disclosure", leaky)
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
    assert _deliveries(settings).height == deliveries_before
    # the published pack of the fixture is untouched
    assert (result.out_dir / "report.html").exists()


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
    assert (tmp_path / "gate" / "data_docs" / "index.html").exists()
    assert "schema" in gate.message and "completeness" in gate.message


def test_the_gate_stays_out_of_the_import():
    script = "import sys, pipelines.extract; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
