"""The Community Planning partner pack's workbook (``sws extract --for community-planning``).

Data minimisation: the pack holds only what partners need, the ``lgd`` breakdowns (counts,
rates per 10,000 residents and the other measures broken down by LGD) and their definitions;
no Trust figures, no other dimension, no returns' file names. Laid out as the ODB workbook
(gptables: ``workbook.produce_workbook``): ``cover``, ``contents``, ``notes``, ``summary`` (the
period's figures, a district a row) and ``breakdowns`` (every row of ``csv/breakdowns.csv``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gptables as gpt
import pandas as pd
import polars as pl

from pipelines.extract.consumers import COMMUNITY_PLANNING
from pipelines.extract.disclosure import Thresholds
from pipelines.extract.facts import PackFacts
from pipelines.extract.report import periods_label
from pipelines.extract.symbols import CONFIDENTIAL, NOT_APPLICABLE, NOT_AVAILABLE
from pipelines.extract.workbook import (
    LEGEND,
    NUMBER_FORMATS,
    _literal,
    _short_names,
    breakdown_table,
    cover_page,
    notes_table,
    produce_workbook,
    text_indent,
)

CONSUMER = COMMUNITY_PLANNING
TITLE = "Community Planning partner pack"
DIMENSION = "lgd"


def write_partner_workbook(
    path: Path,
    breakdowns: pl.DataFrame,
    catalog: pl.DataFrame,
    categories: pl.DataFrame,
    versions: pl.DataFrame,
    *,
    facts: PackFacts,
    thresholds: Thresholds,
) -> None:
    """The partner workbook of the pack's breakdown rows (disclosed, every period up to
    ``facts.period``); ``catalog`` and ``categories``: the pack's measures and LGDs."""
    tables = {
        "notes": notes_table(
            catalog,
            versions,
            facts=facts,
            thresholds=thresholds,
            categories=categories,
            returns_in_full=False,
        ),
        "summary": partner_summary(breakdowns, catalog, categories, period=facts.period),
        "breakdowns": breakdown_table(breakdowns, facts, about="social work measures about people"),
    }
    produce_workbook(
        path,
        tables,
        partner_cover(facts),
        title=f"{TITLE} {facts.period}",
        subject="Social Work Outcomes: measures by Local Government District",
        data_as_at=facts.data_as_at_text,
        descriptions={
            "summary": "Every measure for the period, a Local Government District a row",
            "breakdowns": "Every measure by Local Government District, every period",
            "notes": "Shorthand, disclosure control rules, audit and suppressions, definitions "
            "of the measures, the districts, returns and versions used",
        },
    )


def partner_cover(facts: PackFacts) -> gpt.Cover:
    period = periods_label(facts.period)
    return cover_page(
        f"{TITLE}, {period}",
        "Social work measures for Northern Ireland by Local Government District, for "
        f"Community Planning partners: for {period} and every period from "
        f"{periods_label(facts.periods[0])}, the measures built from records about people "
        "(assessments, Star readings, statutory events, young people's wellbeing), by the "
        "district the person lives in, with rates per 10,000 residents.",
        facts,
        source="Source: the Social Work Outcomes Warehouse, breakdowns mart built from the five "
        "HSC Trusts' returns. Figures are for the region: the pooled records of all Trusts, "
        "each person counted once, in one district.",
        holds="What the pack holds (only what partners need): this workbook (the contents "
        "sheet lists its sheets); csv/breakdowns.csv (the rows of the breakdowns sheet, "
        "suppressed figures empty) and csv/measures.csv (the definitions of its measures); "
        "datapackage.json (a Frictionless Data Package describing the CSV files); report.html; "
        "gate/report.html (the validation gate and disclosure audit); SHA256SUMS.",
    )


def partner_summary(
    breakdowns: pl.DataFrame, catalog: pl.DataFrame, categories: pl.DataFrame, *, period: str
) -> gpt.GPTable:
    """For ``period``: a row per district, a column per measure (its short name)."""
    now = breakdowns.filter(pl.col("period") == period)
    cells = {(r["measure_code"], r["category"]): r for r in now.iter_rows(named=True)}
    present = set(now["measure_code"])
    measures = [m for m in catalog.iter_rows(named=True) if m["measure_code"] in present]
    names = _short_names(catalog)
    lines = []
    for code, label in categories.select("category", "category_label").rows():
        line: dict[str, Any] = {"LGD code": code, "Local Government District": _literal(label)}
        for m in measures:
            row = cells.get((m["measure_code"], code))
            line[names[m["measure_code"]]] = (
                NOT_AVAILABLE
                if row is None
                else CONFIDENTIAL
                if row["suppressed"]
                else NOT_APPLICABLE
                if row["value"] is None
                else row["value"]
            )
        lines.append(line)
    frame = pd.DataFrame(lines, dtype=object)
    formats = [
        {
            "column": {
                "columns": [names[m["measure_code"]]],
                "format": {"num_format": NUMBER_FORMATS[m["unit"]]},
                "include_names": False,
            }
        }
        for m in measures
        if m["unit"] in NUMBER_FORMATS
    ]
    return gpt.GPTable(
        table=frame,
        index_columns={1: 0, 2: 1},
        additional_formatting=text_indent(frame) + formats,
        table_name="summary_table",
        title=f"Summary: every measure for {periods_label(period)} by Local Government District",
        subtitles=[
            "Short measure names; the notes sheet defines each measure. The breakdowns sheet "
            "holds every period."
        ],
        legend=LEGEND,
        source="Source: Social Work Outcomes Warehouse, breakdowns mart (disclosure control "
        "applied)",
    )
