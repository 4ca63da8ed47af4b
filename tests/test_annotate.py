"""Failures a Trust can fix in place: the annotated copy of a return, and its round trip.

The analyst gets their own return back (``sws validate --annotate``, the outbox) with each
failing cell marked and explained; they fix the cells in Excel (here: openpyxl, and LibreOffice
where installed) and submit the same workbook again, which then validates clean.
"""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import openpyxl
import pytest

from contracts import CONTRACTS
from contracts.contract import contract
from contracts.explain import REFUSED, explain
from contracts.files import parse_name
from contracts.readers import read_as_written
from contracts.validate import check_file
from pipelines.feedback.annotated import RETURN_SHEET, SUMMARY_SHEET, write_annotated
from tests import returns_factory as factory
from tests.libreoffice import convert

LEADING_ZERO_HCN = factory.make_hcn("012345678")  # 0123456789: valid, starts with 0
BAD_CHECK_DIGIT = factory.HCN_A[:-1] + str((int(factory.HCN_A[-1]) + 1) % 10)
FORMULA = '=HYPERLINK("http://x","y")'  # text a spreadsheet must not run
FAILING_FILL = "FFFFC7CE"

# dsf rows (header row 1): row 2 EV-1, row 3 EV-2; three more rows made below
FIXES = {  # (row, column) -> what the analyst types in to fix it
    (2, "hcn"): factory.HCN_C,
    (3, "sex"): "M",
    (3, "due_date"): "2025-06-30",
    (4, "function_code"): "CP_REVIEW",
}


def _dsf_rows() -> list[dict[str, str]]:
    rows = factory.valid_rows("dsf")
    rows.append({**rows[0], "event_id": FORMULA, "hcn": LEADING_ZERO_HCN})
    rows.append({**rows[0], "event_id": "EV-4", "due_date": "03/04/2025"})  # UK date: passes
    rows = factory.spoil(rows, 2, "hcn", BAD_CHECK_DIGIT)
    rows = factory.spoil(rows, 3, "sex", "")
    rows = factory.spoil(rows, 3, "due_date", "2025-13-01")
    return factory.spoil(rows, 4, "function_code", "=1+1")


def _write(tmp_path: Path, fmt: str, **kw) -> Path:
    folder = tmp_path / fmt
    folder.mkdir()
    return factory.write_return(folder, "dsf", _dsf_rows(), fmt=fmt, **kw)


def _annotate(source: Path, out: Path) -> Path:
    checked = check_file(source)
    write_annotated(
        out, source, file_name=source.name, failures=checked.failures, refused=checked.refused
    )
    return out


def _failures(path: Path) -> set[tuple[int, str, str]]:
    return set(check_file(path).failures.select("row", "column", "rule").iter_rows())


EXPECTED = {
    (2, "hcn", "hcn_check_digit"),
    (3, "sex", "required"),
    (3, "due_date", "date"),
    (4, "function_code", "code"),
}


# -- the rules in plain words -------------------------------------------------------------


def test_every_rule_of_every_contract_has_plain_words_and_what_passes():
    for collection in CONTRACTS:
        for rule in contract(collection).rules:
            text = explain(collection, rule.column, rule.name, "2025-26-Q1")
            for words in (text.plain_words, text.what_passes):
                assert words and "{" not in words, (collection, rule, words)
    assert explain("dsf", None, REFUSED).what_passes
    # a rule the seed does not know yet is named, never a crash of the outbox
    unknown = explain("dsf", "sex", "a_new_rule")
    assert unknown.plain_words == "this breaks the rule a_new_rule" and unknown.what_passes


def test_what_passes_comes_from_the_contract_and_the_period():
    assert explain("star", "score", "range").what_passes == "a number from 1 to 10"
    assert explain("workforce", "wte", "range").what_passes == "a number more than 0 and at most 1"
    assert explain("indicators", "numerator", "range").what_passes == "a number at least 0"
    assert explain("dsf", "sex", "code").what_passes == "one of: F, M, X, U"
    assert explain("dsf", "sex", "required").what_passes == "one of: F, M, X, U"  # its code
    assert explain("dsf", "event_id", "required").what_passes == "any text"
    assert explain("star", "reading_id", "duplicate_key").plain_words == (
        "another row of this return has the same reading_id and area_code"
    )
    period = explain("dsf", "due_date", "period", "2025-26-Q4")
    assert period.what_passes == "a date from 2026-01-01 to 2026-03-31"


# -- the annotated copy -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_the_annotated_copy_marks_and_explains_every_failing_cell(tmp_path, fmt):
    source = _write(tmp_path, fmt)
    assert _failures(source) == EXPECTED
    out = _annotate(source, tmp_path / "annotated.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [RETURN_SHEET, SUMMARY_SHEET]
    sheet = book[RETURN_SHEET]
    header = [cell.value for cell in sheet[1]]
    assert header == list(factory.COLUMNS["dsf"])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:J{len(_dsf_rows()) + 1}"
    marked = {}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.fill.fgColor.rgb == FAILING_FILL or cell.comment is not None:
                marked[(cell.row, header[cell.column - 1])] = cell
    assert set(marked) == {(row, column) for row, column, _ in EXPECTED}
    for row, column, rule in EXPECTED:
        cell = marked[(row, column)]
        assert cell.fill.fgColor.rgb == FAILING_FILL
        text = explain("dsf", column, rule, "2025-26-Q1")
        assert cell.comment.text == f"[{rule}] {text.sentence()}"
    # comments say what is wrong, never the value
    comments = " ".join(c.comment.text for c in marked.values())
    for value in (BAD_CHECK_DIGIT, "2025-13-01", "=1+1"):
        assert value not in comments
    assert "check digit is wrong" in marked[(2, "hcn")].comment.text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_every_value_comes_back_as_the_text_the_trust_sent(tmp_path, fmt):
    source = _write(tmp_path, fmt)
    out = _annotate(source, tmp_path / "dsf_BHSCT_2025-26-Q1_v2.xlsx")
    sheet = openpyxl.load_workbook(out)[RETURN_SHEET]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert {cell.data_type for cell in cells} == {"s"}  # text, never a number or a formula
    _, written = read_as_written(parse_name(source))
    _, annotated = read_as_written(parse_name(out))
    assert annotated.rows() == written.rows()
    hcns = annotated["hcn"].to_list()
    assert LEADING_ZERO_HCN in hcns and FORMULA in annotated["event_id"].to_list()
    # the same failures, read back from the annotated copy: comments and fills are not data
    assert _failures(out) == EXPECTED


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    out = _annotate(_write(tmp_path, "csv"), tmp_path / "annotated.xlsx")
    sheet = openpyxl.load_workbook(out)[RETURN_SHEET]
    assert sheet["A4"].value == FORMULA and sheet["A4"].data_type == "s"
    assert sheet["G4"].value == "=1+1" and sheet["G4"].data_type == "s"


def test_the_summary_sheet_counts_failures_by_column_and_rule(tmp_path):
    rows = _dsf_rows()
    rows = factory.spoil(rows, 5, "sex", "Q")
    source = factory.write_return(tmp_path, "dsf", rows)
    sheet = openpyxl.load_workbook(_annotate(source, tmp_path / "a.xlsx"))[SUMMARY_SHEET]
    assert "Only the first sheet is read" in sheet["A1"].value
    assert "dsf_BHSCT_2025-26-Q1_v2.xlsx" in sheet["A1"].value
    table = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert table[0] == ["column", "rule", "what is wrong", "what passes", "rows failing", "rows"]
    counted = {(r[0], r[1]): (r[4], r[5]) for r in table[1:]}
    assert counted == {
        ("hcn", "hcn_check_digit"): (1, "2"),
        ("sex", "required"): (1, "3"),
        ("sex", "code"): (1, "5"),
        ("function_code", "code"): (1, "4"),
        ("due_date", "date"): (1, "3"),
    }
    # in the file's column order
    assert [r[0] for r in table[1:]] == ["hcn", "sex", "sex", "function_code", "due_date"]
    assert sheet.freeze_panes == "A4"


def _fix_in_place(path: Path, fixes: dict[tuple[int, str], str]) -> None:
    """What the analyst does in a spreadsheet: type the right value into each marked cell."""
    book = openpyxl.load_workbook(path)
    sheet = book[RETURN_SHEET]
    header = [cell.value for cell in sheet[1]]
    for (row, column), value in fixes.items():
        sheet.cell(row=row, column=header.index(column) + 1, value=value)
    book.save(path)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_fixed_and_resubmitted_as_it_is_the_return_validates_clean(tmp_path, fmt):
    source = _write(tmp_path, fmt)
    resubmission = _annotate(source, tmp_path / "dsf_BHSCT_2025-26-Q1_v2.xlsx")
    _fix_in_place(resubmission, FIXES)
    checked = check_file(resubmission)
    assert (checked.refused, checked.failed, checked.rows) == (None, 0, len(_dsf_rows()))
    assert LEADING_ZERO_HCN in checked.valid["hcn"].to_list()


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_a_return_typed_in_excel_or_parquet_round_trips_too(tmp_path, fmt):
    """Dates as date cells, numbers as numbers: the copy holds the text the reader took."""
    rows = factory.spoil(factory.valid_rows("dsf"), 2, "hcn", BAD_CHECK_DIGIT)
    rows = factory.spoil(rows, 3, "sex", "Q")
    source = factory.write_return(tmp_path, "dsf", rows, fmt=fmt, typed=True)
    resubmission = _annotate(source, tmp_path / "dsf_BHSCT_2025-26-Q1_v2.xlsx")
    assert _failures(resubmission) == {(2, "hcn", "hcn_check_digit"), (3, "sex", "code")}
    _fix_in_place(resubmission, {(2, "hcn"): factory.HCN_C, (3, "sex"): "M"})
    checked = check_file(resubmission)
    assert (checked.refused, checked.failed, checked.rows) == (None, 0, 2)
    assert checked.valid["due_date"].to_list() == [dt.date(2025, 4, 3), dt.date(2025, 6, 30)]


def test_a_partly_fixed_return_still_fails_where_it_was_not_fixed(tmp_path):
    resubmission = _annotate(_write(tmp_path, "csv"), tmp_path / "dsf_BHSCT_2025-26-Q1_v2.xlsx")
    _fix_in_place(resubmission, {k: v for k, v in FIXES.items() if k != (3, "sex")})
    assert _failures(resubmission) == {(3, "sex", "required")}


@pytest.mark.skipif(not shutil.which("soffice"), reason="no LibreOffice (apt libreoffice-calc)")
def test_a_fixed_return_saved_by_libreoffice_validates_clean(tmp_path):
    source = _write(tmp_path, "csv")
    annotated = _annotate(source, tmp_path / "dsf_BHSCT_2025-26-Q1_v2.xlsx")
    _fix_in_place(annotated, FIXES)
    resaved = convert(annotated, "xlsx", tmp_path / "saved", tmp_path / "profile")
    assert resaved.read_bytes() != annotated.read_bytes()  # LibreOffice wrote its own file
    checked = check_file(resaved)
    assert (checked.refused, checked.failed, checked.rows) == (None, 0, len(_dsf_rows()))
    _, before = read_as_written(parse_name(annotated))
    _, after = read_as_written(parse_name(resaved))
    assert after.rows() == before.rows()  # leading zeros, dates, formula-like text: as sent


def test_a_refused_return_gets_one_sheet_saying_why(tmp_path):
    source = factory.write_return(
        tmp_path, "dsf", columns=[c for c in factory.COLUMNS["dsf"] if c != "due_date"]
    )
    out = _annotate(source, tmp_path / "refused.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["refused"]
    cells = {row[0].value: row[1].value for row in book["refused"].iter_rows(min_row=3)}
    assert cells["file"] == source.name
    assert cells["why"] == check_file(source).refused
    assert "missing mandatory column due_date" in cells["why"]
    assert book["refused"]["A1"].value.startswith("This file was refused")


def test_a_file_refused_for_its_name_gets_one_sheet_too(tmp_path):
    source = tmp_path / "dsf_XYZ_2025-26-Q1.csv"
    source.write_text("event_id\n")
    out = _annotate(source, tmp_path / "refused.xlsx")
    sheet = openpyxl.load_workbook(out)["refused"]
    assert sheet["B4"].value == "dsf_XYZ_2025-26-Q1.csv: unknown org 'XYZ'"


def test_a_return_larger_than_a_worksheet_is_not_annotated(tmp_path, monkeypatch, sws):
    """Here a worksheet holds the header and as many rows as the return has, then one fewer."""
    from pipelines.feedback import annotated

    source = _write(tmp_path, "csv")
    rows = len(_dsf_rows())
    monkeypatch.setattr(annotated, "EXCEL_MAX_ROWS", rows + 1)
    assert _failures(_annotate(source, tmp_path / "dsf_BHSCT_2025-26-Q1_v2.xlsx")) == EXPECTED
    monkeypatch.setattr(annotated, "EXCEL_MAX_ROWS", rows)
    with pytest.raises(annotated.TooLargeToAnnotate, match=f"{source.name}: {rows} rows, more"):
        _annotate(source, tmp_path / "too_large.xlsx")
    run = sws("validate", source, "--annotate", tmp_path / "too_large.xlsx")
    assert run.status == 2 and "use the failures list" in run.err


# -- sws validate --annotate --------------------------------------------------------------


def test_sws_validate_annotate_writes_the_copy_and_keeps_its_exit_status(tmp_path, sws):
    source = _write(tmp_path, "csv")
    out = tmp_path / "dsf_BHSCT_2025-26-Q1_v2.xlsx"
    run = sws("validate", source, "--annotate", out)
    assert run.status == 1
    assert f"annotated copy: {out}" in run.out
    assert _failures(out) == EXPECTED
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # the return's identifiers, as sent
    as_json = sws("validate", source, "--json", "--annotate", out)
    assert as_json.status == 1 and len(as_json.json_lines()) == 1


def test_sws_validate_annotate_takes_one_file_and_an_xlsx(tmp_path, sws):
    source = _write(tmp_path, "csv")
    two = sws("validate", source, source, "--annotate", tmp_path / "a.xlsx")
    assert two.status == 2 and "one .xlsx copy of one FILE" in two.err
    csv = sws("validate", source, "--annotate", tmp_path / "a.csv")
    assert csv.status == 2 and not (tmp_path / "a.csv").exists()


def test_a_clean_return_annotated_has_no_marks(tmp_path, sws):
    source = factory.write_return(tmp_path, "star")
    out = tmp_path / "star.xlsx"
    assert sws("validate", source, "--annotate", out).status == 0
    book = openpyxl.load_workbook(out)
    marked = [
        c
        for row in book[RETURN_SHEET].iter_rows()
        for c in row
        if c.comment or c.fill.fgColor.rgb == FAILING_FILL
    ]
    assert marked == []
    assert book[SUMMARY_SHEET].max_row == 3  # the note, a blank row, the header
    assert book[RETURN_SHEET].max_row == 1 + len(factory.valid_rows("star"))
