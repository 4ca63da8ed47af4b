"""The indicators return: aggregate counts and survey proportions per org (REGION too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from contracts import reference

if TYPE_CHECKING:
    from pipelines.sample.context import Context

# Indicators: regional counts a quarter (Trusts and REGION's own), and public survey respondents.
INDICATOR_COUNTS = {
    "QI_LEADS": 60,
    "QI_MENTORS": 25,
    "IHI_ADVISERS": 6,
    "LEADERSHIP_COMPLETIONS": 40,
    "LEP_SERVICE_USER_MEMBERS": 50,
}
DEFAULT_INDICATOR_COUNT = 20
REGION_SHARE = 0.15  # REGION's own figures, relative to the Trusts' total
SURVEY_RESPONDENTS = 1_000  # per quarter regionally (Trust surveys); REGION runs its own
FAIR_OR_BETTER = 0.86
INDICATOR_NOTES = ("Provisional figure", "Includes staff on secondment", "Revised count")


def build(ctx: Context) -> pl.DataFrame:
    """Six aggregate rows per org and period (Trusts and REGION), from seeds/indicators.csv."""
    rng = ctx.rng("indicators")
    indicators = reference.seed("indicators")
    orgs = sorted(reference.orgs())
    share = {t: float(s) for t, s in zip(ctx.trusts, ctx.share, strict=True)}
    rows = []
    for org in orgs:
        weight = share.get(org, REGION_SHARE)
        for period in ctx.periods:
            for code, kind in indicators.select("indicator_code", "indicator_kind").iter_rows():
                if kind == "proportion":
                    respondents = max(1, int(rng.poisson(SURVEY_RESPONDENTS * ctx.scale * weight)))
                    numerator = int(rng.binomial(respondents, FAIR_OR_BETTER))
                    denominator: str | None = str(respondents)
                else:
                    base = INDICATOR_COUNTS.get(code, DEFAULT_INDICATOR_COUNT)
                    numerator = int(rng.poisson(base * ctx.scale * weight))
                    denominator = None
                note = (
                    INDICATOR_NOTES[int(rng.integers(len(INDICATOR_NOTES)))]
                    if rng.random() < 0.1
                    else None
                )
                rows.append((org, str(period), code, str(numerator), denominator, note))
    columns = reference.catalog("indicators")["item"].to_list()
    return pl.DataFrame(rows, schema=["_org", "_period", *columns], orient="row")
