"""The breakdowns as a board member or a Community Planning partner reads them: for the pack's
period, a small table per dimension (categories down, measures across), and each LGD rate's
trend (LGDs down, periods across). ``report.html`` of the ODB pack has them as a section; the
partner pack's ``report.html`` is made of them (``render_partner_report``). Both come from the
template ``templates/_breakdowns.html.j2``; a suppressed figure shows as ``[c]``."""

from __future__ import annotations

import polars as pl

from pipelines.extract.disclosure import RATES, Thresholds
from pipelines.extract.facts import PackFacts
from pipelines.extract.report import (
    DIMENSION_LABELS,
    SYMBOLS_NOTE,
    figure_cell,
    periods_label,
)
from pipelines.templating import render


def _names(catalog: pl.DataFrame) -> dict[str, str]:
    names = catalog["short_name"] if "short_name" in catalog.columns else catalog["measure_code"]
    return {
        code: name or code
        for code, name in zip(catalog["measure_code"], names.to_list(), strict=True)
    }


def dimension_tables(
    breakdowns: pl.DataFrame, catalog: pl.DataFrame, categories: pl.DataFrame, period: str
) -> list[dict]:
    """Per dimension with rows in ``period``: its measures (catalog order) and, per category,
    a cell per measure."""
    now = breakdowns.filter(pl.col("period") == period)
    rows = {(r["measure_code"], r["category"]): r for r in now.iter_rows(named=True)}
    units = dict(zip(catalog["measure_code"], catalog["unit"], strict=True))
    names = _names(catalog)
    tables = []
    for (dimension,), group in categories.group_by("dimension", maintain_order=True):
        present = set(now.filter(pl.col("dimension") == dimension)["measure_code"])
        codes = [c for c in catalog["measure_code"] if c in present]
        if not codes:
            continue
        tables.append(
            {
                "dimension": dimension,
                "label": DIMENSION_LABELS.get(dimension, dimension),
                "measures": [{"code": c, "name": names[c]} for c in codes],
                "rows": [
                    {
                        "category": category,
                        "label": label,
                        "cells": [figure_cell(rows.get((c, category)), units[c]) for c in codes],
                    }
                    for category, label in group.select("category", "category_label").rows()
                ],
            }
        )
    return tables


def rate_trends(
    breakdowns: pl.DataFrame, catalog: pl.DataFrame, categories: pl.DataFrame
) -> list[dict]:
    """Per rate (unit ``rate``, in catalog order): per category of its dimension, a cell per
    period of the pack."""
    periods = sorted(breakdowns["period"].unique().to_list())
    rates = catalog.filter(pl.col("unit").is_in(RATES))["measure_code"].to_list()
    names = _names(catalog)
    labels = dict(categories.select("category", "category_label").iter_rows())
    out = []
    for code in rates:
        rows = breakdowns.filter(pl.col("measure_code") == code)
        if rows.is_empty():
            continue
        cells = {(r["category"], r["period"]): r for r in rows.iter_rows(named=True)}
        dimension = rows["dimension"][0]
        order = categories.filter(pl.col("dimension") == dimension)["category"].to_list()
        out.append(
            {
                "code": code,
                "name": names[code],
                "dimension": DIMENSION_LABELS.get(dimension, dimension),
                "periods": [periods_label(p) for p in periods],
                "rows": [
                    {
                        "category": category,
                        "label": labels.get(category, category),
                        "cells": [figure_cell(cells.get((category, p)), "rate") for p in periods],
                    }
                    for category in order
                ],
            }
        )
    return out


def breakdown_sections(
    breakdowns: pl.DataFrame, catalog: pl.DataFrame, categories: pl.DataFrame, period: str
) -> dict:
    """What the template's breakdown macros take."""
    return {
        "tables": dimension_tables(breakdowns, catalog, categories, period),
        "trends": rate_trends(breakdowns, catalog, categories),
    }


def render_partner_report(
    breakdowns: pl.DataFrame,
    catalog: pl.DataFrame,
    categories: pl.DataFrame,
    *,
    facts: PackFacts,
    thresholds: Thresholds,
) -> str:
    """The partner pack's ``report.html``: its breakdowns for the period, each rate's trend,
    the definitions of its measures and the disclosure rules."""
    names = _names(catalog)
    definitions = [
        {"code": code, "name": names[code], "text": text}
        for code, text in catalog.select("measure_code", "definition").iter_rows()
    ]
    return render(
        "pipelines.extract",
        "partner_report.html.j2",
        facts=facts,
        period_label=periods_label(facts.period),
        first_period_label=periods_label(facts.periods[0]) if facts.periods else "",
        breakdowns=breakdown_sections(breakdowns, catalog, categories, facts.period),
        definitions=definitions,
        rules=thresholds.rules(),
        symbols_note=SYMBOLS_NOTE,
    )
