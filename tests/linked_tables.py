"""Small DSF-shaped pack rows for the disclosure tests, linked as seeds/measure_relations.csv
links them: per Trust and function (due, on time); totals and REGION are the sums.

Functions are named by letter (A = CP_ICPC, B = CP_REVIEW, C = LAC_REVIEW) and rows keep the
real measure codes, so the real catalog and the real seed (restricted to those functions) apply.
"""

from __future__ import annotations

import random

import polars as pl

from contracts import reference
from pipelines.extract.disclosure import MART_COLUMNS

REGION = "REGION"
FUNCTIONS = {"A": "CP_ICPC", "B": "CP_REVIEW", "C": "LAC_REVIEW"}
P1, P2 = "2025-26-Q1", "2025-26-Q2"
SCHEMA = {
    "outcome": pl.Int32,
    "measure_code": pl.String,
    "oba_type": pl.String,
    "org": pl.String,
    "period": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "baseline_period": pl.String,
    "baseline_value": pl.Float64,
    "change_from_baseline": pl.Float64,
    "suppressed": pl.Boolean,
}
# the outcome marts' measures (the breakdown-only LGD rates are not in the outcome tables)
CATALOG = reference.seed("measures").filter(pl.col("breakdown_only") == "false")
EMPTY_RELATIONS = pl.DataFrame(
    schema=dict.fromkeys(
        ("relation", "kind", "role", "measure_code", "figure", "dimension"), pl.String
    )
)


def due(letter: str = "") -> str:
    return f"O3_DSF_DUE_{FUNCTIONS[letter]}" if letter else "O3_DSF_DUE"


def share(letter: str = "") -> str:
    return f"O3_DSF_ON_TIME_PCT_{FUNCTIONS[letter]}" if letter else "O3_DSF_ON_TIME_PCT"


def label(code: str) -> str:
    """``O3_DSF_DUE_CP_ICPC`` -> ``due A``, ``O3_DSF_ON_TIME_PCT`` -> ``share``."""
    for letter in (*FUNCTIONS, ""):
        if code == due(letter):
            return f"due {letter}".strip()
        if code == share(letter):
            return f"share {letter}".strip()
    return code


def relations(letters: str = "ABC") -> pl.DataFrame:
    """The seed's DSF relations, for these functions only (a total is the sum of them)."""
    keep = {due(), share(), *(due(x) for x in letters), *(share(x) for x in letters)}
    return reference.seed("measure_relations").filter(pl.col("measure_code").is_in(keep))


def frame(rows: list[dict]) -> pl.DataFrame:
    full = [
        {"outcome": 3, "oba_type": "how_much", "suppressed": False}
        | dict.fromkeys(("numerator", "denominator", "value", "baseline_value"))
        | row
        for row in rows
    ]
    return pl.DataFrame(full, schema=SCHEMA).select(MART_COLUMNS)


def dsf_rows(
    trusts: dict[str, dict[str, tuple[int, int]]], period: str = P1, *, shares: bool = True
) -> list[dict]:
    """Rows for each Trust's (due, on time) per function letter, the totals and REGION."""
    letters = sorted({x for functions in trusts.values() for x in functions})
    orgs = dict(trusts)
    orgs[REGION] = {
        x: tuple(sum(t[x][i] for t in trusts.values()) for i in (0, 1)) for x in letters
    }
    rows = []
    for org, functions in orgs.items():
        total = tuple(sum(functions[x][i] for x in letters) for i in (0, 1))
        for letter, (n_due, n_on) in [("", total), *((x, functions[x]) for x in letters)]:
            rows.append(
                {"measure_code": due(letter), "org": org, "period": period}
                | {"numerator": n_due, "value": n_due}
            )
            if shares:
                value = round(100 * n_on / n_due, 1) if n_due else None
                rows.append(
                    {"measure_code": share(letter), "org": org, "period": period}
                    | {"numerator": n_on, "denominator": n_due, "value": value}
                )
    return rows


def hidden(out: pl.DataFrame, period: str = P1) -> set[str]:
    """The hidden rows of a period as ``"due A BHSCT"``."""
    rows = out.filter(pl.col("suppressed") & (pl.col("period") == period))
    return {f"{label(m)} {o}" for m, o in zip(rows["measure_code"], rows["org"], strict=True)}


def random_trusts(rng: random.Random, n_trusts: int = 3) -> dict[str, dict[str, tuple[int, int]]]:
    """Thin DSF counts: many small, some zero, mostly on time (so 100 % shares are common)."""
    trusts = {}
    for org in ("BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT")[:n_trusts]:
        functions = {}
        for letter in FUNCTIONS:
            n_due = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 11, 15, 24, 40])
            n_on = sum(rng.random() < 0.85 for _ in range(n_due))
            functions[letter] = (n_due, n_on)
        trusts[org] = functions
    return trusts
