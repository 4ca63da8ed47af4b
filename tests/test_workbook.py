"""The pack's workbook: laid out as "Releasing statistics in spreadsheets" asks (gptables), read
cleanly by machines, printed legibly, opened by a real spreadsheet application."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl
import pytest

from contracts import reference
from pipelines.extract.disclosure import MART_COLUMNS, load_thresholds
from pipelines.extract.facts import PackFacts
from pipelines.extract.pack import org_order, stage_pack, workbook_name, write_files
from pipelines.extract.symbols import CONFIDENTIAL, MEANINGS, NOT_APPLICABLE, NOT_AVAILABLE
from pipelines.extract.workbook import SHEETS, _gaps, write_workbook

OUTCOMES = ["outcome1", "outcome2", "outcome3", "outcome4"]
SHORTHAND = [CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE]
# the outcome tables' measures (the breakdown-only LGD rates are not among them)
OUTCOME_MEASURES = reference.seed("measures").filter(pl.col("breakdown_only") == "false")
FIGURE_COLUMNS = [
    "numerator",
    "denominator",
    "value",
    "baseline_value",
    "change_from_baseline",
]


@pytest.fixture(scope="module")
def staged_pack(regional, tmp_path_factory):
    """The pack's files for the latest period, written (not gated, not published: no delivery
    is recorded) into a folder of this module's."""
    settings = regional[0]
    folder = tmp_path_factory.mktemp("workbook")
    period = "2025-26-Q4"
    staged = stage_pack(settings, period, "ODB", load_thresholds())
    write_files(folder, staged)
    return staged, folder, folder / workbook_name(period)


def _csv(folder: Path, table: str) -> pl.DataFrame:
    return pl.read_csv(folder / "csv" / f"{table}.csv", infer_schema_length=None)


def _header_row(path: Path, sheet: str, first: str) -> int:
    """0-based row of a sheet's table headings: the first row whose first cell is ``first``."""
    raw = pd.read_excel(path, sheet_name=sheet, header=None)
    return int(raw.index[raw[0].eq(first)][0])


def test_the_sheets_are_the_guidance_s_in_order(staged_pack):
    _, _, path = staged_pack
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(SHEETS)
    assert SHEETS == (
        "cover",
        "contents",
        "notes",
        "summary",
        "outcome1",
        "outcome2",
        "outcome3",
        "outcome4",
    )
    for name in SHEETS[1:]:
        sheet = book[name]
        assert not sheet.merged_cells.ranges, name
        [(table_name, ref)] = sheet.tables.items()  # one table a sheet
        assert table_name == f"{name}_table"
        # the table ends on the sheet's last row: nothing below it
        assert int(ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) == sheet.max_row


def test_each_outcome_sheet_reads_as_a_clean_table_of_the_csv_rows(staged_pack):
    _, folder, path = staged_pack
    for table in OUTCOMES:
        csv = _csv(folder, table)
        skip = _header_row(path, table, "outcome")
        assert skip >= 1  # the title rows gptables puts above
        frame = pd.read_excel(path, sheet_name=table, skiprows=skip)
        assert list(frame.columns) == list(MART_COLUMNS)
        assert len(frame) == csv.height  # no blank row, no footnote below
        assert not frame.isna().any().any()  # no blank cell inside the table
        # with the shorthand read as missing, every figure column is numeric
        numbers = pd.read_excel(path, sheet_name=table, skiprows=skip, na_values=SHORTHAND)
        for column in FIGURE_COLUMNS:
            assert pd.api.types.is_numeric_dtype(numbers[column]), (table, column)
        assert numbers["suppressed"].dtype == bool
        assert numbers["outcome"].dtype.kind == "i"
        for got, want in zip(frame.to_dict("records"), csv.iter_rows(named=True), strict=True):
            for column in ("measure_code", "org", "period", "suppressed"):
                assert got[column] == want[column]
            for column in ("numerator", "denominator", "value"):
                if want["suppressed"]:
                    assert got[column] == CONFIDENTIAL
                elif want[column] is None:
                    assert got[column] == NOT_APPLICABLE
                else:
                    assert got[column] == pytest.approx(want[column])
            for column in ("baseline_value", "change_from_baseline"):
                if want[column] is None:
                    assert got[column] in SHORTHAND
                else:
                    assert got[column] == pytest.approx(want[column])


def test_confidential_cells_are_text_and_every_other_figure_a_number(staged_pack):
    _, folder, path = staged_pack
    book = openpyxl.load_workbook(path)
    confidential = 0
    for table in OUTCOMES:
        sheet = book[table]
        header = _header_row(path, table, "outcome") + 1  # 1-based
        names = [c.value for c in sheet[header]]
        for row in sheet.iter_rows(min_row=header + 1):
            for name, cell in zip(names, row, strict=True):
                if name not in FIGURE_COLUMNS:
                    continue
                if cell.value in SHORTHAND:
                    assert cell.data_type == "s"
                    confidential += cell.value == CONFIDENTIAL
                else:
                    assert cell.data_type == "n" and isinstance(cell.value, int | float)
    hidden = sum(_csv(folder, t)["suppressed"].sum() for t in OUTCOMES)
    assert hidden > 0 and confidential >= 3 * hidden  # numerator, denominator, value at least
    # and no cell of any sheet is a formula
    for sheet in book.worksheets:
        assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_the_summary_shows_each_measure_for_the_period_by_trust_and_region(staged_pack):
    staged, _, path = staged_pack
    skip = _header_row(path, "summary", "Outcome")
    summary = pd.read_excel(path, sheet_name="summary", skiprows=skip)
    orgs = org_order()
    assert list(summary.columns) == [
        "Outcome",
        "Measure",
        "Measure code",
        "Unit",
        *orgs,
        "REGION baseline period",
        "REGION baseline",
        "REGION change from baseline",
    ]
    assert not summary.isna().any().any()
    now = staged.rows.filter(pl.col("period") == staged.period)
    codes = [c for c in staged.inputs.catalog["measure_code"] if c in set(now["measure_code"])]
    assert summary["Measure code"].tolist() == codes
    short = dict(OUTCOME_MEASURES.select("measure_code", "short_name").iter_rows())
    assert summary["Measure"].tolist() == [short[c] for c in codes]
    rows = {(r["measure_code"], r["org"]): r for r in now.iter_rows(named=True)}
    seen = set()
    for line in summary.to_dict("records"):
        for org in orgs:
            row = rows.get((line["Measure code"], org))
            shown = line[org]
            if row is None:
                assert shown == NOT_AVAILABLE
            elif row["suppressed"]:
                assert shown == CONFIDENTIAL
            elif row["value"] is None:
                assert shown == NOT_APPLICABLE
            else:
                assert shown == pytest.approx(row["value"])
            seen.add(shown if isinstance(shown, str) else "number")
        region = rows[(line["Measure code"], "REGION")]
        if region["change_from_baseline"] is not None:
            assert line["REGION change from baseline"] == pytest.approx(
                region["change_from_baseline"]
            )
            assert line["REGION baseline"] == pytest.approx(region["baseline_value"])
            assert line["REGION baseline period"] == region["baseline_period"]
    assert {"number", CONFIDENTIAL} <= seen


def test_the_notes_explain_shorthand_rules_definitions_and_returns(staged_pack):
    staged, _, path = staged_pack
    skip = _header_row(path, "notes", "Note number")
    notes = pd.read_excel(path, sheet_name="notes", skiprows=skip)
    assert list(notes.columns) == ["Note number", "Topic", "Note text"]
    assert notes["Note number"].tolist() == list(range(1, len(notes) + 1))
    text = "\n".join(notes["Note text"])
    for symbol, meaning in MEANINGS.items():
        assert f"{symbol} {meaning}" in text
    for rule in staged.thresholds.rules():
        assert rule in text
    assert "from 1 to 4" in text and "from 1 to 9" in text  # the configured thresholds
    topics = notes["Topic"].tolist()
    assert "Disclosure audit" in topics and "Data as at" in topics
    audit = notes["Note text"][topics.index("Disclosure audit")]
    assert audit == staged.facts.audit
    assert audit.startswith(f"Audited: the {staged.rows.height} rows of the pack")
    assert staged.audit.passed and f"Result: {staged.audit.summary()}." in audit
    for definition, code in OUTCOME_MEASURES.select("definition", "measure_code").rows():
        assert f"Definition: {code}" in topics
        assert definition in text
    assert staged.versions.height > 0
    for file_name in staged.versions["file_name"]:
        assert file_name in text
    assert f"{staged.facts.data_as_at_text} (the latest load" in text


def test_cover_and_contents(staged_pack):
    staged, _, path = staged_pack
    book = openpyxl.load_workbook(path)
    cover = [c.value for c in book["cover"]["A"] if c.value]
    assert cover[0] == "Social Work Outcomes: ODB extract pack, 2025-26 Q4"
    text = "\n".join(cover)
    assert f"Data as at: {staged.facts.data_as_at}" in text
    assert "Prepared for: ODB" in text and "Contact" in text and "Source:" in text
    assert staged.facts.contact in text
    skip = _header_row(path, "contents", "Sheet name")
    contents = pd.read_excel(path, sheet_name="contents", skiprows=skip)
    assert contents["Sheet name"].tolist() == [s for s in SHEETS if s != "contents"]
    assert contents["Sheet description"].str.len().min() > 20
    links = {
        c.value: c.hyperlink.location
        for c in book["contents"]["A"]
        if c.hyperlink is not None and c.hyperlink.location
    }
    assert links == {s: f"'{s}'!A1" for s in SHEETS if s != "contents"}


def test_every_sheet_prints_landscape_fit_to_width_with_its_header_repeated(staged_pack):
    _, _, path = staged_pack
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (sheet.page_setup.fitToWidth in (None, 1), sheet.page_setup.fitToHeight) == (
            True,
            0,
        )
    for name, first in [("notes", "Note number"), ("summary", "Outcome"), ("outcome3", "outcome")]:
        row = _header_row(path, name, first) + 1
        assert book[name].print_title_rows == f"${row}:${row}"
    assert book["outcome1"].freeze_panes == f"A{_header_row(path, 'outcome1', 'outcome') + 2}"


def test_text_is_written_as_text_never_a_formula_or_a_link(staged_pack, tmp_path):
    staged, _, _ = staged_pack
    consumer = '=HYPERLINK("http://example.com/x","open me")'
    facts = PackFacts(
        period=staged.period,
        periods=staged.facts.periods,
        consumer=consumer,
        built_at=staged.facts.built_at,
        data_as_at=staged.facts.data_as_at,
        contact="[mail us](http://example.com) $$note$$ +44 28 9000 0000",
    )
    path = tmp_path / "book.xlsx"
    write_workbook(
        path,
        staged.rows,
        staged.inputs.catalog,
        staged.versions,
        facts=facts,
        thresholds=staged.thresholds,
        orgs=org_order(),
    )
    cover = openpyxl.load_workbook(path)["cover"]
    cells = {c.value: c for c in cover["A"] if c.value}
    written = cells[f"Prepared for: {consumer}"]
    assert written.data_type == "s" and written.hyperlink is None
    contact = cells[facts.contact]  # not a link, not a note reference
    assert contact.data_type == "s" and contact.hyperlink is None
    assert not [c for row in cover.iter_rows() for c in row if c.data_type == "f"]


@pytest.mark.parametrize(
    ("row", "hidden_baseline", "expected"),
    [
        (  # a shown count: no denominator
            {"numerator": 7.0, "denominator": None, "value": 7.0, "suppressed": False},
            False,
            {"numerator": 7.0, "denominator": NOT_APPLICABLE, "value": 7.0},
        ),
        (  # suppressed: every figure and the change confidential, the baseline shown
            {
                "numerator": None,
                "denominator": None,
                "value": None,
                "change_from_baseline": None,
                "suppressed": True,
            },
            False,
            {
                "numerator": CONFIDENTIAL,
                "value": CONFIDENTIAL,
                "baseline_value": 20.0,
                "change_from_baseline": CONFIDENTIAL,
            },
        ),
        (  # a shown row whose baseline is hidden (rule 5)
            {"baseline_value": None, "change_from_baseline": None},
            True,
            {"baseline_value": CONFIDENTIAL, "change_from_baseline": CONFIDENTIAL},
        ),
        (  # before the baseline period: no baseline yet, whether or not it is hidden
            {"period": "2024-25-Q4", "baseline_value": None, "change_from_baseline": None},
            True,
            {"baseline_value": NOT_APPLICABLE, "change_from_baseline": NOT_APPLICABLE},
        ),
        (  # the baseline period itself, baseline shown
            {"period": "2025-26-Q1", "change_from_baseline": 0.0},
            False,
            {"baseline_value": 20.0, "change_from_baseline": 0.0},
        ),
        (  # a share with nothing to divide by, after its baseline
            {"value": None, "numerator": 0.0, "denominator": 0.0, "change_from_baseline": None},
            False,
            {"value": NOT_APPLICABLE, "numerator": 0.0, "change_from_baseline": NOT_APPLICABLE},
        ),
        (  # a measure that never had a value: no baseline period
            {"baseline_period": None, "baseline_value": None, "change_from_baseline": None},
            False,
            {"baseline_value": NOT_APPLICABLE, "change_from_baseline": NOT_APPLICABLE},
        ),
        (  # baseline period reached, its value missing, not hidden: not available
            {"baseline_value": None, "change_from_baseline": None},
            False,
            {"baseline_value": NOT_AVAILABLE, "change_from_baseline": NOT_AVAILABLE},
        ),
    ],
)
def test_each_gap_gets_the_shorthand_saying_why(row, hidden_baseline, expected):
    base = {
        "period": "2025-26-Q2",
        "numerator": 30.0,
        "denominator": 40.0,
        "value": 75.0,
        "baseline_period": "2025-26-Q1",
        "baseline_value": 20.0,
        "change_from_baseline": 55.0,
        "suppressed": False,
    }
    cells = _gaps(base | row, baseline_hidden=hidden_baseline)
    assert {k: cells[k] for k in expected} == expected


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


@pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="no LibreOffice or poppler-utils (apt-get install libreoffice-calc poppler-utils)",
)
def test_libreoffice_opens_and_prints_it(staged_pack, tmp_path):
    """LibreOffice Calc converts the workbook to PDF: a real spreadsheet application reads it,
    and printed it is a few pages, not a long strip. Measured here (3 periods, 714 rows): 26
    pages: cover 1, contents 1, notes 9, summary 1, outcome sheets 3-5 each (the demo pack, 8
    periods and 1,914 rows: 52 pages). Expected: 10 pages plus one per 30 rows at most."""
    _, folder, path = staged_pack
    profile = tmp_path / "profile"
    command = [
        "soffice",
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
        str(path),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        process.wait(timeout=240)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    pages = _pdf_pages(tmp_path / f"{path.stem}.pdf")
    rows = sum(_csv(folder, t).height for t in OUTCOMES)
    # landscape, fit to width: 30 or more table rows a page (not the 169 pages of portrait strips)
    assert 10 <= len(pages) <= 10 + rows // 30, len(pages)
    assert pages[0].strip().startswith("Social Work Outcomes: ODB extract pack, 2025-26 Q4")
    # each page's footer names its sheet: the summary is one page, every sheet is printed
    footers = [page.strip().splitlines()[-1].split()[0] for page in pages]
    assert footers.count("summary") == 1
    assert set(footers) == set(SHEETS)
