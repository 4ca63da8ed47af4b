"""One Trust's failures as a workbook: ``sws failures --xlsx`` and the failures list in its
outbox.

Built from the warehouse (``pipelines.failures``), so it needs no landed file: every failure of
the Trust's current returns and every refused file, each with the rule in plain words and what
would pass. Values are as quarantined, identifiers masked to their last three characters. A
worksheet holds 1,048,575 rows below its header: past that the failures sheet lists the first
ones and says so, and the "by rule" sheet still counts them all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from contracts.explain import explain
from contracts.limits import EXCEL_MAX_ROWS
from pipelines.feedback.sheets import new_book, write_table

FAILURES_SHEET = "failures"
BY_RULE_SHEET = "by rule"
COLUMNS = (
    "file",
    "collection",
    "period",
    "version",
    "row",
    "column",
    "rule",
    "what is wrong",
    "what passes",
    "value",
)


def write_failures_book(
    out: Path, failures: pl.DataFrame, *, org: str, period: str | None = None
) -> int:
    """``failures``: ``pipelines.failures.org_failures`` of ``org`` (and ``period``); returns
    how many the failures sheet lists (all of them, unless a worksheet cannot hold them)."""
    book = new_book(out)
    book.set_properties({"title": f"Failures of {org}'s returns", "author": "sws"})
    listed = failures.head(EXCEL_MAX_ROWS - 1)
    rows = []
    for failure in listed.iter_rows(named=True):
        text = explain(failure["collection"], failure["column"], failure["rule"], failure["period"])
        rows.append(
            (
                failure["file"],
                failure["collection"],
                failure["period"],
                failure["version"],
                failure["row"],
                failure["column"],
                failure["rule"],
                text.plain_words,
                text.what_passes,
                failure["value"],
            )
        )
    write_table(
        book,
        book.add_worksheet(FAILURES_SHEET),
        COLUMNS,
        rows,
        widths=(30, 11, 11, 8, 7, 18, 20, 40, 40, 24),
    )
    _by_rule(book, failures)
    _about(book, org, period, failures, listed=listed.height)
    book.close()
    return listed.height


def _by_rule(book, failures: pl.DataFrame) -> None:
    grouped = (
        failures.group_by("collection", "period", "column", "rule", maintain_order=True)
        .agg(pl.len().alias("failures"))
        .sort("collection", "period", "column", "rule", nulls_last=False)
    )
    rows = []
    for collection, period, column, rule, count in grouped.iter_rows():
        text = explain(collection, column, rule, period)
        rows.append((collection, period, column, rule, text.plain_words, text.what_passes, count))
    write_table(
        book,
        book.add_worksheet(BY_RULE_SHEET),
        ("collection", "period", "column", "rule", "what is wrong", "what passes", "failures"),
        rows,
        widths=(11, 11, 18, 20, 45, 45, 10),
    )


def _about(book, org: str, period: str | None, failures: pl.DataFrame, *, listed: int) -> None:
    sheet = book.add_worksheet("about")
    sheet.set_column(0, 0, 110)
    lines = (
        f"Failures of {org}'s returns{f' for {period}' if period else ''}, as loaded into the "
        f"regional warehouse ({dt.datetime.now():%Y-%m-%d %H:%M}).",
        f"{failures.filter(pl.col('rule') != 'refused').height} failures in rows, "
        f"{failures.filter(pl.col('rule') == 'refused').height} files refused.",
        "Rows are as a spreadsheet shows them (the header is row 1). Identifiers (hcn, "
        "worker_id) show only their last three characters.",
        "Rows that failed were not loaded: fix them in your system or in the return, and "
        "submit the return again with the next version number (_v2, _v3, ...).",
    )
    if listed < failures.height:
        lines += (
            f"The '{FAILURES_SHEET}' sheet lists the first {listed:,} of {failures.height:,} "
            f"failures (a worksheet holds no more); '{BY_RULE_SHEET}' counts them all. Every "
            f"one, as CSV: sws failures --org {org}{f' --period {period}' if period else ''} "
            "--out FILE.csv",
        )
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, line)
