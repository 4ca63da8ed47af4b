"""An independent reference computation of the breakdowns of ``measures.md`` ("Breakdowns").

The test oracle for ``marts.breakdowns``, written from the spec like ``reference_measures``
(whose readings and helpers it shares) and not from the SQL: plain Python, loops, dicts and
exact ``Fraction`` arithmetic.

API::

    compute_breakdowns(con, baseline_period=None) -> list[dict]

One dict per breakdown row, with the columns ``BREAKDOWN_COLUMNS``: the mart columns of
``measures.md`` with ``dimension`` and ``category`` after ``org`` (always ``REGION``).

Readings of measures.md
-----------------------

1. A breakdown is of REGION's pooled micro data: every Trust's loaded rows of the return (the
   same rows as REGION's row of the measure), in every period where REGION has a row for the
   measure (any org loaded the return); every category of each dimension has a row.
2. The record that places a person is the one the measure is decided by: for
   ``O1_ASCOT_PEOPLE`` and ``O1_ASCOT_SCRQOL_MEAN`` the person's latest fully scored
   assessment in the period; for ``O4_SATISFIED_PCT`` the latest with satisfaction given; for
   ``O1_STAR_PEOPLE`` the person's latest complete reading in the period (any Star version);
   for a Star pair its latest reading (the one compared with its first). "Latest" ties as in
   ``reference_measures`` (higher id as text, then the higher org). A RAW questionnaire and a
   DSF event place themselves.
3. The person fields of a Star reading or RAW questionnaire are those of its first row in the
   file (lowest ``source_row``), should its rows differ.
4. Age = the year of the placing date (``assessment_date``, ``reading_date``, ``due_date``,
   ``response_date``) minus ``birth_year``; bands as measures.md lists them.
5. RAW records have no programme of care: RAW measures have no ``programme_of_care`` rows.
6. Rates: each ``how_much`` count broken down by ``lgd`` (``O1_ASCOT_PEOPLE``,
   ``O1_STAR_PEOPLE``, ``O3_DSF_DUE``) has ``<code>_PER_10K``, outcome of its count, OBA type
   ``population``: numerator the count, denominator the LGD's population
   (``seeds/lgd_population.csv``) for the year whose 30 June falls in the period's financial
   year, else the latest earlier year; value count x 10,000 / population rounded half away from
   zero to 1 place. No such year: denominator and value None.
7. Baselines per (measure, dimension, category), as ``reference_measures`` readings 21-22.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from fractions import Fraction

import duckdb

from tests.reference_measures import (
    ASCOT_DOMAINS,
    CATALOG,
    RAW_ITEMS,
    REGION,
    SEEDS,
    add_baselines,
    count,
    latest,
    load,
    mean,
    number,
    progress_pairs,
    round_half_away,
    share,
    shown,
    star_readings,
)

# --- the breakdowns, transcribed from measures.md ----------------------------------------------

ALL_DIMENSIONS = ("lgd", "programme_of_care", "sex", "age_band")
BROKEN_DOWN = {
    "O1_ASCOT_PEOPLE": ALL_DIMENSIONS,
    "O1_ASCOT_SCRQOL_MEAN": ALL_DIMENSIONS,
    "O1_STAR_PEOPLE": ALL_DIMENSIONS,
    "O1_STAR_IMPROVED_PCT": ALL_DIMENSIONS,
    "O1_STAR_DISTANCE_MEAN": ALL_DIMENSIONS,
    "O1_RAW_YP_MEAN": ("lgd", "sex", "age_band"),  # RAW has no programme_of_care
    "O3_DSF_DUE": ALL_DIMENSIONS,
    "O3_DSF_ON_TIME_PCT": ALL_DIMENSIONS,
    "O4_SATISFIED_PCT": ALL_DIMENSIONS,
}
RATES = {
    f"{code}_PER_10K": code
    for code, dims in BROKEN_DOWN.items()
    if CATALOG[code][1] == "how_much" and "lgd" in dims
}

# (band, lowest age, highest age or None)
AGE_BANDS = (("0-17", 0, 17), ("18-64", 18, 64), ("65-74", 65, 74), ("75-84", 75, 84))
AGE_BANDS += (("85+", 85, None),)

BREAKDOWN_COLUMNS = [
    "outcome",
    "measure_code",
    "oba_type",
    "org",
    "dimension",
    "category",
    "period",
    "numerator",
    "denominator",
    "value",
    "baseline_period",
    "baseline_value",
    "change_from_baseline",
    "suppressed",
]


def _seed(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def categories() -> dict[str, list[str]]:
    """Each dimension's categories: the LGDs of the ``lgds`` seed, the rest from measures.md."""
    return {
        "lgd": [row["lgd_code"] for row in _seed("lgds")],
        "programme_of_care": ["POC3", "POC4", "POC5", "POC6", "POC7"],
        "sex": ["F", "M", "X", "U"],
        "age_band": [band for band, _, _ in AGE_BANDS],
    }


def population(lgd_code: str, period: str) -> int | None:
    """The LGD's population for a period: the year whose 30 June falls in the financial year
    (April to March), else the latest earlier year; None where the seed has neither."""
    start = int(period[:4])
    fy_first, fy_last = dt.date(start, 4, 1), dt.date(start + 1, 3, 31)
    years = {
        int(row["year"]): int(row["population"])
        for row in _seed("lgd_population")
        if row["lgd_code"] == lgd_code
    }
    in_year = [y for y in years if fy_first <= dt.date(y, 6, 30) <= fy_last]
    if in_year:
        return years[in_year[0]]
    earlier = [y for y in years if dt.date(y, 6, 30) < fy_first]
    return years[max(earlier)] if earlier else None


def age_band(age: int) -> str | None:
    for band, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return band
    return None


def placed(record: dict, placing_date: str) -> dict:
    """The categories a record's own fields give, one per dimension."""
    return {
        "lgd": record["lgd_code"],
        "programme_of_care": record.get("programme_of_care"),
        "sex": record["sex"],
        "age_band": age_band(record[placing_date].year - record["birth_year"]),
    }


# --- the qualifying records of each measure, placed (REGION, one period) -----------------------
# Each returns a list of {"at": categories, ...figures} for REGION's rows of one period.


def _by_person_latest(rows: list[dict], date_field: str, id_field: str) -> list[dict]:
    by_person = defaultdict(list)
    for r in rows:
        by_person[r["person_key"]].append(r)
    return [latest(person_rows, date_field, id_field) for person_rows in by_person.values()]


def ascot_units(rows: list[dict], period: str) -> dict[str, list[dict]]:
    in_period = [r for r in rows if r["period"] == period]
    complete = [r for r in in_period if all(r[d] is not None for d in ASCOT_DOMAINS)]
    answered = [r for r in in_period if r["satisfaction"] is not None]
    scored = _by_person_latest(complete, "assessment_date", "assessment_id")
    satisfied = _by_person_latest(answered, "assessment_date", "assessment_id")
    return {
        "scored": [
            {"at": placed(r, "assessment_date"), "scrqol": sum(r[d] for d in ASCOT_DOMAINS)}
            for r in scored
        ],
        "satisfaction": [
            {"at": placed(r, "assessment_date"), "satisfied": r["satisfaction"] in (1, 2)}
            for r in satisfied
        ],
    }


def star_units(readings: list[dict], period: str) -> dict[str, list[dict]]:
    complete = [r for r in readings if r["complete"] and r["period"] == period]
    people = _by_person_latest(complete, "reading_date", "reading_id")
    pairs = [
        {
            "at": placed(last, "reading_date"),
            "improved": last["mean_score"] > first["mean_score"],
            "distance": last["mean_score"] - first["mean_score"],
        }
        for first, last in progress_pairs(readings, period)
    ]
    return {"people": [{"at": placed(r, "reading_date")} for r in people], "pairs": pairs}


def raw_units(rows: list[dict], period: str) -> list[dict]:
    questionnaires = defaultdict(list)
    for r in rows:
        if r["period"] == period and r["respondent"] == "young_person":
            questionnaires[(r["org"], r["response_id"])].append(r)
    units = []
    for items in questionnaires.values():
        if not RAW_ITEMS.issubset({r["item_code"] for r in items if r["score"] is not None}):
            continue  # not complete
        first_row = min(items, key=lambda r: r["source_row"])
        item_sum = sum(r["score"] for r in items if r["item_code"] in RAW_ITEMS)
        units.append(
            {
                "at": {**placed(first_row, "response_date"), "programme_of_care": None},
                "score": Fraction(item_sum * 100, 48),
            }
        )
    return units


def dsf_units(rows: list[dict], period: str) -> list[dict]:
    return [
        {
            "at": placed(r, "due_date"),
            "on_time": r["completed_date"] is not None and r["completed_date"] <= r["due_date"],
        }
        for r in rows
        if r["period"] == period
    ]


def figures(code: str, units: list[dict]) -> dict:
    """One measure over the units of one category."""
    n = len(units)
    if code in ("O1_ASCOT_PEOPLE", "O1_STAR_PEOPLE", "O3_DSF_DUE"):
        return count(n)
    if code == "O1_ASCOT_SCRQOL_MEAN":
        return mean(sum(u["scrqol"] for u in units), n)
    if code == "O4_SATISFIED_PCT":
        return share(sum(1 for u in units if u["satisfied"]), n)
    if code == "O1_STAR_IMPROVED_PCT":
        return share(sum(1 for u in units if u["improved"]), n)
    if code == "O1_STAR_DISTANCE_MEAN":
        return mean(sum((u["distance"] for u in units), Fraction(0)), n)
    if code == "O1_RAW_YP_MEAN":
        return mean(sum((u["score"] for u in units), Fraction(0)), n)
    if code == "O3_DSF_ON_TIME_PCT":
        return share(sum(1 for u in units if u["on_time"]), n)
    raise KeyError(code)


def rate(count_figures: dict, lgd_code: str, period: str) -> dict:
    people = count_figures["value"]
    residents = population(lgd_code, period)
    value = None if residents is None else round_half_away(Fraction(people * 10_000, residents), 1)
    return {"numerator": people, "denominator": residents, "value": value}


# --- putting it together ------------------------------------------------------------------------


def breakdown_values(loaded: dict[str, set], tables: dict[str, list[dict]]) -> list[dict]:
    """One entry per (measure, dimension, category, period) with its figures."""
    trust_rows = {c: [r for r in rows if r["org"] != REGION] for c, rows in tables.items()}
    readings = star_readings(trust_rows["star"])

    def periods(collection: str) -> list[str]:
        return sorted({p for _, p in loaded[collection]})

    # measure -> period -> the qualifying units of REGION
    units: dict[str, dict[str, list[dict]]] = defaultdict(dict)
    for period in periods("ascot"):
        ascot = ascot_units(trust_rows["ascot"], period)
        units["O1_ASCOT_PEOPLE"][period] = ascot["scored"]
        units["O1_ASCOT_SCRQOL_MEAN"][period] = ascot["scored"]
        units["O4_SATISFIED_PCT"][period] = ascot["satisfaction"]
    for period in periods("star"):
        star = star_units(readings, period)
        units["O1_STAR_PEOPLE"][period] = star["people"]
        units["O1_STAR_IMPROVED_PCT"][period] = star["pairs"]
        units["O1_STAR_DISTANCE_MEAN"][period] = star["pairs"]
    for period in periods("raw"):
        units["O1_RAW_YP_MEAN"][period] = raw_units(trust_rows["raw"], period)
    for period in periods("dsf"):
        dsf = dsf_units(trust_rows["dsf"], period)
        units["O3_DSF_DUE"][period] = dsf
        units["O3_DSF_ON_TIME_PCT"][period] = dsf

    out = []
    cats = categories()
    for code, dimensions in BROKEN_DOWN.items():
        for period, period_units in units[code].items():
            for dimension in dimensions:
                for category in cats[dimension]:
                    chosen = [u for u in period_units if u["at"][dimension] == category]
                    result = figures(code, chosen)
                    key = {"dimension": dimension, "category": category, "period": period}
                    out.append({"measure_code": code, **key, **result})
                    for rate_code, count_code in RATES.items():
                        if count_code == code and dimension == "lgd":
                            out.append(
                                {"measure_code": rate_code, **key, **rate(result, category, period)}
                            )
    return out


def compute_breakdowns(
    con: duckdb.DuckDBPyConnection, baseline_period: str | None = None
) -> list[dict]:
    """Every breakdown row of ``measures.md``, computed independently of the dbt models."""
    loaded, tables = load(con)
    rows = breakdown_values(loaded, tables)
    add_baselines(rows, baseline_period, key=("measure_code", "dimension", "category"))
    result = []
    for r in rows:
        base = RATES.get(r["measure_code"])
        outcome, oba_type, kind, _ = CATALOG[base or r["measure_code"]]
        if base:
            oba_type, kind = "population", "rate"
        result.append(
            {
                "outcome": outcome,
                "measure_code": r["measure_code"],
                "oba_type": oba_type,
                "org": REGION,
                "dimension": r["dimension"],
                "category": r["category"],
                "period": r["period"],
                "numerator": number(r["numerator"]),
                "denominator": number(r["denominator"]),
                "value": shown(r["value"], kind),
                "baseline_period": r["baseline_period"],
                "baseline_value": shown(r["baseline_value"], kind),
                "change_from_baseline": shown(r["change_from_baseline"], kind),
                "suppressed": False,
            }
        )
    result.sort(key=lambda r: (r["measure_code"], r["dimension"], r["category"], r["period"]))
    return result
