"""Per-Trust outboxes: after every load each Trust gets receipts and its failures, only its own."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from contracts.files import parse_name
from contracts.limits import EXCEL_MAX_ROWS
from pipelines.failures import failures_of
from pipelines.feedback.failures_book import BY_RULE_SHEET, FAILURES_SHEET
from pipelines.feedback.outbox import (
    OutboxPolicy,
    annotated_name,
    failures_book_name,
    write_missing_books,
    write_outboxes,
)
from pipelines.ingest.landing import discover, file_sha256
from pipelines.ingest.loader import load_slots
from pipelines.settings import sws_config
from pipelines.warehouse import connect
from tests import returns_factory as factory

PERIOD = factory.PERIOD
TRUSTS = ("BHSCT", "NHSCT", "SHSCT")
OWNER_ONLY = OutboxPolicy()


def _dsf(org: str) -> list[dict[str, str]]:
    """A dsf return whose event ids name its Trust: another Trust's rows would show."""
    return [{**row, "event_id": f"{org}-{row['event_id']}"} for row in factory.valid_rows("dsf")]


def _land(settings, org: str, rows, *, version: int | None = None, **kw) -> Path:
    folder = settings.landing / "dsf"
    folder.mkdir(exist_ok=True)
    name = factory.file_name("dsf", org=org, version=version)
    return factory.write_return(folder, "dsf", rows, name=name, **kw)


def _load(settings, policy=OWNER_ONLY, collection: str | None = None):
    """Load what landed (one collection's returns, as its ingest asset does, or all)."""
    slots, _ = discover(settings.landing)
    chosen = [files for slot, files in slots.items() if collection in (None, slot[0])]
    with connect(settings.warehouse) as con:
        outcomes = load_slots(con, chosen, archive_dir=settings.archive, key=b"k")
    return outcomes, write_outboxes(settings, outcomes, policy=policy)


def _three_trusts(settings, policy=OWNER_ONLY):
    """BHSCT: two failing rows; NHSCT: clean; SHSCT: refused (a column missing)."""
    failing = factory.spoil(_dsf("BHSCT"), 2, "hcn", "123")
    failing = factory.spoil(failing, 3, "sex", "Q")
    _land(settings, "BHSCT", failing)
    _land(settings, "NHSCT", _dsf("NHSCT"))
    columns = [c for c in factory.COLUMNS["dsf"] if c != "due_date"]
    _land(settings, "SHSCT", _dsf("SHSCT"), columns=columns)
    return _load(settings, policy)


def _cells(path: Path) -> list[list]:
    book = openpyxl.load_workbook(path)
    return [[c.value for c in row] for sheet in book for row in sheet.iter_rows()]


def _sheet(path: Path, name: str) -> list[list]:
    return [[c.value for c in row] for row in openpyxl.load_workbook(path)[name].iter_rows()]


def _receipt(settings, org: str, file_name: str) -> dict:
    return json.loads((settings.outbox / org / PERIOD / f"receipt_{file_name}.json").read_text())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_load_of_three_trusts_leaves_three_outboxes_each_with_only_its_own(sws_home):
    _, written = _three_trusts(sws_home)
    assert written == [sws_home.outbox / org / PERIOD for org in TRUSTS]
    assert sorted(p.name for p in sws_home.outbox.iterdir()) == list(TRUSTS)
    for org in TRUSTS:
        folder = sws_home.outbox / org / PERIOD
        others = [o for o in TRUSTS if o != org]
        for path in folder.iterdir():
            text = path.read_text(errors="ignore") if path.suffix != ".xlsx" else ""
            if path.suffix == ".xlsx":
                text = " ".join(str(v) for row in _cells(path) for v in row if v is not None)
            for other in others:
                assert other not in text, (path, other)
    names = {
        org: sorted(p.name for p in (sws_home.outbox / org / PERIOD).iterdir()) for org in TRUSTS
    }
    assert names["BHSCT"] == sorted(
        [
            annotated_name("dsf_BHSCT_2025-26-Q1.csv"),
            failures_book_name("BHSCT", PERIOD),
            "receipt_dsf_BHSCT_2025-26-Q1.csv.json",
            "receipt_dsf_BHSCT_2025-26-Q1.csv.txt",
        ]
    )
    assert annotated_name("dsf_NHSCT_2025-26-Q1.csv") not in names["NHSCT"]  # clean: no copy
    assert annotated_name("dsf_SHSCT_2025-26-Q1.csv") in names["SHSCT"]  # refused: why


def test_the_failures_workbook_lists_the_trusts_failures_explained(sws_home):
    _three_trusts(sws_home)
    book = sws_home.outbox / "BHSCT" / PERIOD / failures_book_name("BHSCT", PERIOD)
    rows = _sheet(book, FAILURES_SHEET)
    header, body = rows[0], rows[1:]
    assert header[:7] == ["file", "collection", "period", "version", "row", "column", "rule"]
    failures = {(r[4], r[5], r[6], r[9]) for r in body}
    assert failures == {(2, "hcn", "hcn_format", "***"), (3, "sex", "code", "Q")}
    assert {r[0] for r in body} == {"dsf_BHSCT_2025-26-Q1.csv"}
    assert all(r[7] and r[8] for r in body)  # what is wrong, what passes
    refused = _sheet(
        sws_home.outbox / "SHSCT" / PERIOD / failures_book_name("SHSCT", PERIOD), FAILURES_SHEET
    )
    assert [(r[6], r[9].split(": ", 1)[1]) for r in refused[1:]] == [
        ("refused", "missing mandatory column due_date")
    ]
    assert _sheet(book, BY_RULE_SHEET)[1:] == [
        ["dsf", PERIOD, "hcn", "hcn_format", *_words("hcn", "hcn_format"), 1],
        ["dsf", PERIOD, "sex", "code", *_words("sex", "code"), 1],
    ]


def _words(column: str, rule: str) -> list[str]:
    from contracts.explain import explain

    text = explain("dsf", column, rule, PERIOD)
    return [text.plain_words, text.what_passes]


def test_receipts_say_what_became_of_each_file(sws_home):
    _three_trusts(sws_home)
    landed = sws_home.landing / "dsf" / "dsf_BHSCT_2025-26-Q1.csv"
    receipt = _receipt(sws_home, "BHSCT", landed.name)
    assert {k: receipt[k] for k in ("file", "org", "period", "version", "status")} == {
        "file": landed.name,
        "org": "BHSCT",
        "period": PERIOD,
        "version": 1,
        "status": "loaded",
    }
    assert (receipt["rows"], receipt["loaded"], receipt["quarantined"]) == (2, 0, 2)
    assert receipt["sha256"] == file_sha256(landed) and receipt["refused"] is None
    assert receipt["received_at"] and receipt["loaded_at"]
    text = (sws_home.outbox / "BHSCT" / PERIOD / f"receipt_{landed.name}.txt").read_text()
    assert "rows in:   2 = 0 loaded + 2 quarantined" in text
    assert "submit it as dsf_BHSCT_2025-26-Q1_v2.xlsx" in text
    refused = _receipt(sws_home, "SHSCT", "dsf_SHSCT_2025-26-Q1.csv")
    assert refused["status"] == "refused" and refused["loaded"] is None
    assert refused["refused"].endswith("missing mandatory column due_date")
    clean = _receipt(sws_home, "NHSCT", "dsf_NHSCT_2025-26-Q1.csv")
    assert (clean["status"], clean["quarantined"]) == ("loaded", 0)


def test_the_annotated_copy_in_the_outbox_is_the_trusts_own_file_marked(sws_home):
    _three_trusts(sws_home)
    copy = sws_home.outbox / "BHSCT" / PERIOD / annotated_name("dsf_BHSCT_2025-26-Q1.csv")
    sheet = openpyxl.load_workbook(copy)["return"]
    assert [c.value for c in sheet[2]][:2] == ["BHSCT-EV-1", "123"]  # as sent: their own data
    marked = {(c.row, c.column) for row in sheet.iter_rows() for c in row if c.comment}
    assert marked == {(2, 2), (3, 4)}  # hcn of row 2, sex of row 3
    assert "123" not in sheet.cell(2, 2).comment.text
    refused = openpyxl.load_workbook(
        sws_home.outbox / "SHSCT" / PERIOD / annotated_name("dsf_SHSCT_2025-26-Q1.csv")
    )
    assert refused.sheetnames == ["refused"]


def test_the_trust_fixes_the_copy_from_its_outbox_and_it_loads_clean(sws_home):
    """The loop closed: open the annotated copy, fix the marked cells, submit it as it is."""
    _three_trusts(sws_home)
    folder = sws_home.outbox / "BHSCT" / PERIOD
    copy = folder / annotated_name("dsf_BHSCT_2025-26-Q1.csv")
    book = openpyxl.load_workbook(copy)
    sheet = book["return"]
    sent = _dsf("BHSCT")
    for row, column in ((2, 2), (3, 4)):  # the marked cells: hcn of row 2, sex of row 3
        name = sheet.cell(1, column).value
        sheet.cell(row, column).value = sent[row - 2][name]
    resubmission = sws_home.landing / "dsf" / "dsf_BHSCT_2025-26-Q1_v2.xlsx"
    book.save(resubmission)
    outcomes, written = _load(sws_home)
    assert written == [folder]
    [loaded] = [o for o in outcomes if o.status == "loaded"]
    assert (loaded.file, loaded.rows, loaded.quarantined) == (resubmission.name, 2, 0)
    receipt = _receipt(sws_home, "BHSCT", resubmission.name)
    assert (receipt["status"], receipt["loaded"], receipt["quarantined"]) == ("loaded", 2, 0)
    assert not copy.exists()  # out of date, and nothing new to mark
    assert _sheet(folder / failures_book_name("BHSCT", PERIOD), FAILURES_SHEET)[1:] == []


def test_outboxes_are_owner_only(sws_home):
    _three_trusts(sws_home)
    assert _mode(sws_home.outbox) == 0o700
    for org in TRUSTS:
        assert _mode(sws_home.outbox / org) == 0o700
        assert _mode(sws_home.outbox / org / PERIOD) == 0o700
        for path in (sws_home.outbox / org / PERIOD).iterdir():
            assert _mode(path) == 0o600, path


def test_a_trusts_unix_group_may_read_its_own_outbox_and_no_other(sws_home):
    group = os.getgid()  # the current user's own group: chgrp needs no privilege
    _three_trusts(sws_home, OutboxPolicy(gids={"NHSCT": group}))
    assert _mode(sws_home.outbox) == 0o711  # pass through to one's own folder, list nothing
    for path in (sws_home.outbox / "NHSCT", sws_home.outbox / "NHSCT" / PERIOD):
        assert (_mode(path), path.stat().st_gid) == (0o750, group)
    for path in (sws_home.outbox / "NHSCT" / PERIOD).iterdir():
        assert (_mode(path), path.stat().st_gid) == (0o640, group)
    for org in ("BHSCT", "SHSCT"):
        assert _mode(sws_home.outbox / org) == 0o700
        for path in (sws_home.outbox / org / PERIOD).iterdir():
            assert _mode(path) == 0o600


def test_an_unknown_group_is_refused_before_anything_is_loaded(monkeypatch):
    monkeypatch.setitem(sws_config()["outbox"], "groups", {"BHSCT": "no-such-group-sws"})
    with pytest.raises(ValueError, match="no Unix group 'no-such-group-sws'"):
        OutboxPolicy.configured()


def test_a_clean_resubmission_replaces_the_annotated_copy_and_keeps_the_receipts(sws_home):
    _three_trusts(sws_home)
    _land(sws_home, "BHSCT", _dsf("BHSCT"), version=2)
    _, written = _load(sws_home)
    assert written == [sws_home.outbox / "BHSCT" / PERIOD]  # only the Trust that sent one
    folder = sws_home.outbox / "BHSCT" / PERIOD
    assert not (folder / annotated_name("dsf_BHSCT_2025-26-Q1.csv")).exists()
    assert not (folder / annotated_name("dsf_BHSCT_2025-26-Q1_v2.csv")).exists()
    assert _receipt(sws_home, "BHSCT", "dsf_BHSCT_2025-26-Q1.csv")["status"] == "superseded"
    assert _receipt(sws_home, "BHSCT", "dsf_BHSCT_2025-26-Q1_v2.csv")["status"] == "loaded"
    assert _sheet(folder / failures_book_name("BHSCT", PERIOD), FAILURES_SHEET)[1:] == []


def test_a_file_landed_again_with_other_bytes_gets_its_copy_anew(sws_home):
    _three_trusts(sws_home)
    copy = sws_home.outbox / "BHSCT" / PERIOD / annotated_name("dsf_BHSCT_2025-26-Q1.csv")
    _land(sws_home, "BHSCT", factory.spoil(_dsf("BHSCT"), 3, "function_code", "NOPE"))
    outcomes, _ = _load(sws_home)
    assert {o.file: o.status for o in outcomes}["dsf_BHSCT_2025-26-Q1.csv"] == "loaded"
    sheet = openpyxl.load_workbook(copy)["return"]
    marked = {
        (c.row, sheet.cell(1, c.column).value)
        for row in sheet.iter_rows()
        for c in row
        if c.comment
    }
    assert marked == {(3, "function_code")}  # the bytes now landed, not the ones before


def test_a_resubmission_leaves_the_copy_of_another_return_of_the_period(sws_home):
    star = sws_home.landing / "star"
    star.mkdir(parents=True)
    factory.write_return(star, "star", factory.spoil(factory.valid_rows("star"), 2, "score", "11"))
    _three_trusts(sws_home)
    folder = sws_home.outbox / "BHSCT" / PERIOD
    star_copy = folder / annotated_name("star_BHSCT_2025-26-Q1.csv")
    assert star_copy.exists()
    _land(sws_home, "BHSCT", _dsf("BHSCT"), version=2)
    _load(sws_home, collection="dsf")  # as the dsf ingest asset does: the star return unread
    assert not (folder / annotated_name("dsf_BHSCT_2025-26-Q1.csv")).exists()
    assert star_copy.exists()  # still the star return's current version, still failing


def test_a_load_that_changes_nothing_writes_nothing_until_a_receipt_is_missing(sws_home):
    _three_trusts(sws_home)
    outcomes, written = _load(sws_home)
    assert {o.status for o in outcomes} == {"unchanged"} and written == []
    receipt = sws_home.outbox / "NHSCT" / PERIOD / "receipt_dsf_NHSCT_2025-26-Q1.csv.json"
    receipt.unlink()
    assert write_outboxes(sws_home, outcomes, policy=OWNER_ONLY) == [receipt.parent]
    assert json.loads(receipt.read_text())["status"] == "loaded"


def test_a_run_of_a_longer_load_leaves_the_failures_lists_to_its_end(sws_home):
    """``sws load``'s runs (one per return) each write receipts; each failures list is
    written once, when the load ends, not once per run."""
    _three_trusts(sws_home)
    lists = {
        org: sws_home.outbox / org / PERIOD / failures_book_name(org, PERIOD) for org in TRUSTS
    }
    expected = {org: _cells(book) for org, book in lists.items()}
    for book in lists.values():
        book.unlink()
    lists["NHSCT"].write_text("out of date")  # a list from before the run
    _land(sws_home, "BHSCT", _dsf("BHSCT"), version=2)  # BHSCT's v2 is clean
    slots, _ = discover(sws_home.landing)
    with connect(sws_home.warehouse) as con:
        outcomes = load_slots(con, list(slots.values()), archive_dir=sws_home.archive, key=b"k")
    written = write_outboxes(sws_home, outcomes, policy=OWNER_ONLY, books=False)
    assert written == [sws_home.outbox / "BHSCT" / PERIOD]
    assert (written[0] / "receipt_dsf_BHSCT_2025-26-Q1_v2.csv.json").exists()
    assert not lists["BHSCT"].exists()  # out of date: gone until the load ends
    assert lists["NHSCT"].read_text() == "out of date"  # not this run's folder
    lists["NHSCT"].unlink()
    assert write_missing_books(sws_home, policy=OWNER_ONLY) == [
        sws_home.outbox / org / PERIOD for org in TRUSTS
    ]
    assert _sheet(lists["BHSCT"], FAILURES_SHEET)[1:] == []  # v2 replaced the failing v1
    assert _cells(lists["NHSCT"]) == expected["NHSCT"]
    assert _cells(lists["SHSCT"]) == expected["SHSCT"]  # its refused file, as before
    assert _mode(lists["SHSCT"]) == 0o600
    assert write_missing_books(sws_home, policy=OWNER_ONLY) == []  # none missing now


def test_missing_failures_lists_are_written_only_in_real_folders_with_receipts(sws_home, tmp_path):
    _three_trusts(sws_home)
    elsewhere = tmp_path / "elsewhere" / PERIOD
    elsewhere.mkdir(parents=True)
    (elsewhere / "receipt_dsf_EVIL_2025-26-Q1.csv.json").write_text("{}")
    (sws_home.outbox / "EVIL").symlink_to(elsewhere.parent)  # a link is not followed
    (sws_home.outbox / "NHSCT" / "2024-25-Q4").mkdir()  # no receipt: nothing of the org's
    book = sws_home.outbox / "NHSCT" / PERIOD / failures_book_name("NHSCT", PERIOD)
    book.unlink()
    assert write_missing_books(sws_home, policy=OWNER_ONLY) == [book.parent]
    assert book.exists()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["receipt_dsf_EVIL_2025-26-Q1.csv.json"]
    assert not any((sws_home.outbox / "NHSCT" / "2024-25-Q4").iterdir())


def test_a_return_larger_than_the_limit_gets_the_failures_list_only(sws_home):
    _three_trusts(sws_home, OutboxPolicy(annotate_max_rows=1))  # the return has 2 rows
    folder = sws_home.outbox / "BHSCT" / PERIOD
    assert not (folder / annotated_name("dsf_BHSCT_2025-26-Q1.csv")).exists()
    assert len(_sheet(folder / failures_book_name("BHSCT", PERIOD), FAILURES_SHEET)) == 3
    text = (folder / "receipt_dsf_BHSCT_2025-26-Q1.csv.txt").read_text()
    assert "sws validate dsf_BHSCT_2025-26-Q1.csv --annotate dsf_BHSCT_2025-26-Q1_v2.xlsx" in text
    # a refused file's one-sheet workbook costs nothing: it is always there
    assert (
        sws_home.outbox / "SHSCT" / PERIOD / annotated_name("dsf_SHSCT_2025-26-Q1.csv")
    ).exists()


def test_a_return_of_as_many_rows_as_the_limit_gets_its_annotated_copy(sws_home):
    _three_trusts(sws_home, OutboxPolicy(annotate_max_rows=2))  # the return has 2 rows
    copy = sws_home.outbox / "BHSCT" / PERIOD / annotated_name("dsf_BHSCT_2025-26-Q1.csv")
    assert copy.exists()


@pytest.mark.parametrize(
    ("setting", "value", "allowed"),
    [
        ("annotate_max_rows", EXCEL_MAX_ROWS - 1, True),  # every row below the header
        ("annotate_max_rows", EXCEL_MAX_ROWS, False),  # would not fit a worksheet
        ("annotate_max_rows", 0, True),
        ("annotate_max_rows", -1, False),
        ("annotate_max_files", 0, True),
        ("annotate_max_files", -1, False),
    ],
)
def test_outbox_limits_out_of_range_are_refused_before_a_load(monkeypatch, setting, value, allowed):
    monkeypatch.setitem(sws_config()["outbox"], setting, value)
    if allowed:
        assert getattr(OutboxPolicy.configured(), setting) == value
    else:
        with pytest.raises(ValueError, match=f"annotate_max_{setting.rsplit('_', 1)[1]} must"):
            OutboxPolicy.configured()


def test_a_load_of_more_failing_returns_than_the_limit_gets_the_failures_lists_only(sws_home):
    _land(sws_home, "WHSCT", factory.spoil(_dsf("WHSCT"), 2, "sex", "Q"))
    _three_trusts(sws_home, OutboxPolicy(annotate_max_files=1))  # BHSCT and WHSCT fail
    for org in ("BHSCT", "WHSCT"):
        folder = sws_home.outbox / org / PERIOD
        assert not (folder / annotated_name(f"dsf_{org}_2025-26-Q1.csv")).exists()
        assert len(_sheet(folder / failures_book_name(org, PERIOD), FAILURES_SHEET)) > 1
    _three_trusts(sws_home, OutboxPolicy(annotate_max_files=2))  # nothing new: nothing written
    _land(sws_home, "WHSCT", _dsf("WHSCT"), version=2)
    _land(sws_home, "BHSCT", factory.spoil(_dsf("BHSCT"), 3, "sex", "Q"), version=2)
    _load(sws_home, OutboxPolicy(annotate_max_files=1))  # one failing return: its copy made
    assert (
        sws_home.outbox / "BHSCT" / PERIOD / annotated_name("dsf_BHSCT_2025-26-Q1_v2.csv")
    ).exists()


def test_sws_failures_xlsx_is_the_outbox_workbook_on_demand(sws_home, sws):
    _three_trusts(sws_home)
    out = sws_home.home / "mine.xlsx"
    run = sws("failures", "--org", "BHSCT", "--period", PERIOD, "--xlsx", out)
    assert run.status == 0 and "2 failures of BHSCT" in run.out
    outbox = sws_home.outbox / "BHSCT" / PERIOD / failures_book_name("BHSCT", PERIOD)
    for sheet in (FAILURES_SHEET, BY_RULE_SHEET):
        assert _sheet(out, sheet) == _sheet(outbox, sheet)
    everything = sws_home.home / "all.xlsx"
    assert sws("failures", "--org", "SHSCT", "--xlsx", everything).status == 0
    assert [r[0] for r in _sheet(everything, FAILURES_SHEET)[1:]] == ["dsf_SHSCT_2025-26-Q1.csv"]


def test_every_load_through_dagster_leaves_each_org_its_outbox(regional):
    """The regional load (`sws load`, the ingest asset): a receipt for every file, in its org's
    folder; each org's failures workbook names only its own files."""
    settings, report, _, _ = regional
    for sample_file in report.files:
        file = parse_name(settings.landing / sample_file.path)
        folder = settings.outbox / file.org / file.period
        receipt = json.loads((folder / f"receipt_{file.path.name}.json").read_text())
        assert (receipt["org"], receipt["rows"]) == (file.org, sample_file.rows)
        # other tests land later versions in the shared fixture's landing folder
        assert receipt["status"] in ("loaded", "superseded")
    for folder in settings.outbox.glob("*/*"):
        org, period = folder.parent.name, folder.name
        rows = _sheet(folder / failures_book_name(org, period), FAILURES_SHEET)[1:]
        assert {f"_{org}_" in r[0] for r in rows} <= {True}
        assert {r[2] for r in rows} <= {period}
        # written once the load's last run had loaded every return: all of them listed
        with connect(settings.warehouse, read_only=True) as con:
            assert len(rows) == failures_of(con, org=org, period=period).height
    assert _mode(settings.outbox) == 0o700


def test_a_value_that_looks_like_a_formula_is_quoted_in_the_failures_workbook(tmp_path):
    from pipelines.feedback.failures_book import write_failures_book

    failures = pl.DataFrame(
        {
            "collection": ["dsf"],
            "period": [PERIOD],
            "version": [1],
            "file": ["dsf_BHSCT_2025-26-Q1.csv"],
            "row": [2],
            "column": ["function_code"],
            "rule": ["code"],
            "value": ['=HYPERLINK("http://x","y")'],
        }
    )
    out = tmp_path / "failures.xlsx"
    write_failures_book(out, failures, org="BHSCT", period=PERIOD)
    cell = openpyxl.load_workbook(out)[FAILURES_SHEET]["J2"]
    assert (cell.value, cell.data_type) == ('\'=HYPERLINK("http://x","y")', "s")


def _failures_frame(count: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "collection": ["dsf"] * count,
            "period": [PERIOD] * count,
            "version": [1] * count,
            "file": ["dsf_BHSCT_2025-26-Q1.csv"] * count,
            "row": list(range(2, count + 2)),
            "column": ["sex"] * count,
            "rule": ["code"] * count,
            "value": ["Q"] * count,
        }
    )


@pytest.mark.parametrize(("failures", "listed"), [(2, 2), (3, 2)])
def test_failures_past_what_a_worksheet_holds_are_counted_and_said_so(
    tmp_path, monkeypatch, failures, listed
):
    """Here a worksheet holds a header and 2 rows; a real one, 1,048,575 below its header."""
    from pipelines.feedback import failures_book

    monkeypatch.setattr(failures_book, "EXCEL_MAX_ROWS", 3)
    out = tmp_path / "failures.xlsx"
    written = failures_book.write_failures_book(
        out, _failures_frame(failures), org="BHSCT", period=PERIOD
    )
    assert written == listed
    assert [r[4] for r in _sheet(out, FAILURES_SHEET)[1:]] == list(range(2, listed + 2))
    assert _sheet(out, BY_RULE_SHEET)[1][-1] == failures  # the count is of them all
    about = " ".join(r[0] for r in _sheet(out, "about"))
    note = f"lists the first {listed:,} of {failures:,} failures"
    assert (note in about) is (listed < failures)
    if listed < failures:
        assert f"sws failures --org BHSCT --period {PERIOD} --out FILE.csv" in about


def test_a_file_still_being_written_gets_no_receipt_yet(sws_home):
    from pipelines.ingest.landing import BEING_WRITTEN
    from pipelines.ingest.outcomes import LoadOutcome

    path = _land(sws_home, "BHSCT", _dsf("BHSCT"))
    waiting = LoadOutcome.of(parse_name(path), BEING_WRITTEN)
    assert write_outboxes(sws_home, [waiting], policy=OWNER_ONLY) == []
    assert not sws_home.outbox.exists()
