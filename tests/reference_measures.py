"""An independent reference computation of every measure in ``measures.md``.

This module is the test oracle for the dbt marts ``marts.outcome1`` … ``marts.outcome4``. It
shares nothing with the SQL: it reads the loaded returns and ``ingest.file_versions`` into plain
Python and computes each measure with loops, dicts and exact rational arithmetic
(``fractions.Fraction``), so that a reviewer can check it line by line against ``measures.md``.

API::

    compute(con, baseline_period=None) -> list[dict]

One dict per mart row, with exactly the mart columns of ``measures.md``: ``outcome``,
``measure_code``, ``oba_type``, ``org``, ``period``, ``numerator``, ``denominator``, ``value``,
``baseline_period``, ``baseline_value``, ``change_from_baseline``, ``suppressed`` (always
``False``: the marts keep true values). Rows are sorted by outcome, catalog order of the measure,
org (Trusts by code, then ``REGION``) and period.

Readings of measures.md
-----------------------

Where ``measures.md`` leaves room, this module reads it as follows (the lead reconciles these
with the SQL implementation).

Data that counts

1. Loaded returns are the ``ingest.file_versions`` rows with ``is_current = true`` (a nil return,
   0 rows, is loaded). Rows of ``returns.*`` count only where their (org, period, version) is the
   current version of that (collection, org, period); superseded rows are ignored even if they
   were left in the table.
2. A row belongs to the period in its ``period`` column (the return's period; ``returns.md``
   refuses rows dated outside it). "Up to the period end" means periods ≤ P (``YYYY-YY-Qn`` sorts
   chronologically as text).
3. ``REGION`` submits ``indicators`` only; a ``REGION`` return of any other collection (which
   validation refuses anyway) is ignored, so ``REGION`` rows of person/workforce measures are
   always the pool of the Trusts.
4. Across Trusts (REGION), ties on date and id are broken on the higher org code, so that "latest"
   is always a single row.

Outcome 1

5. ``O1_ASCOT_PEOPLE``: distinct people with at least one assessment in the period whose eight
   current domains are all present (an assessment with a domain missing does not make the person
   count, but another complete one does). SCRQoL mean: each such person's latest complete
   assessment in the period (Trust: within that Trust; REGION: across all Trusts).
6. Star: a reading is (org, ``reading_id``); it is complete when every area of its version
   (``returns.md``) has a score; its mean area score is the mean of all its area scores; its
   attributes (person, date, number, person fields) are those of its first row in the file.
   A pair is (``person_key``, ``star_version``); for a Trust only that Trust's readings are
   used, for REGION the readings of all Trusts (so a pair's first reading may come from
   another Trust).
7. The first reading is the pair's ``reading_number`` 1 reading from *any* loaded period (not
   limited to the period end: ``measures.md`` only says "is loaded"); several: earliest date, ties
   the lower id (then the lower org). A pair with no ``reading_number`` 1 reading is not counted.
8. The latest complete reading is taken over the pair's complete readings of all loaded periods
   ≤ P (so the first reading itself is a candidate); the pair counts in P when that reading's
   period is P and it is not the first reading. "Improved" compares the exact mean area scores
   (strictly higher); distance = latest - first, exact.
9. RAW: a questionnaire is (org, ``response_id``), with ``respondent = young_person`` and all
   twelve items ``R1``-``W4`` present. REGION pools questionnaires (they are not people, so there
   is nothing to de-duplicate). "Scoring 75 or more" uses the exact score (item sum ≥ 36).

Outcome 2

10. Post holders are distinct ``worker_key`` in the period's snapshot. Agency = ``contract_type``
    ``agency``; AYE = ``aye`` true; band 6 = ``band`` ``'6'``; 50+ = ``age_band`` ``50_59`` or
    ``60_plus``.
11. The sickness shares: numerator Σ ``sickness_days``, denominator Σ ``contracted_days``.
    ``O2_DIRECT_WORK_PCT``: numerator Σ ``direct_work_hours``, denominator
    Σ ``contracted_days`` x 7.5 (contracted hours), both over staff with ``direct_work_hours``
    given. ``O2_AGENCY_WTE_PCT``: agency wte and total wte. A zero denominator gives value None.
12. ``O2_WTE`` is a sum: numerator = value = Σ ``wte``, not rounded.
13. ``O2_RECRUIT_DAYS_MEDIAN`` is not rounded (a median of integers is exact to .5).

Outcome 3

14. DSF: an event is a row (events are unique within an org); REGION pools all Trusts' events.
    On time = ``completed_date`` given and ≤ ``due_date``. One ``O3_DSF_DUE_<F>`` and
    ``O3_DSF_ON_TIME_PCT_<F>`` per function of ``seeds/dsf_functions.csv``, with a row wherever
    the org loaded a ``dsf`` return (count 0 / share None for a function with no events).
15. ``O3_ASCOT_GAIN_MEAN``: INT4 assessments in the period with all eight current and all eight
    ``_expected`` values present; each person's latest such assessment; gain = current SCRQoL -
    expected SCRQoL; numerator = Σ gains, denominator = people.

Outcome 4

16. ``O4_SATISFIED_PCT``: for each person, the latest assessment in the period among those with
    ``satisfaction`` given (any instrument, domains irrelevant); numerator = people whose answer
    there is 1 or 2, denominator = people.
17. ``O4_RETENTION_PCT``: the preceding quarter is the calendar one (Q1's is the previous year's
    Q4), whether or not it is in the data. A Trust has a row where it loaded ``workforce`` for P
    and for the preceding quarter; a nil previous snapshot gives 0 ÷ 0 = None. REGION has a row
    only where at least one Trust has one (REGION = Σ retained ÷ Σ previous over those Trusts).
18. Indicators: a Trust's row uses the Trust's own ``indicators`` rows; REGION's uses the rows of
    all Trusts plus REGION's own (as ``measures.md`` says, "plus REGION's own ``indicators``
    rows"), and exists where any org, REGION included, loaded ``indicators`` for P.
    ``O4_PUBLIC_RATING_PCT`` = Σ numerator ÷ Σ denominator over the scope's
    ``PUBLIC_RATING_FAIR_OR_BETTER`` rows with a denominator (always, by ``returns.md``). The
    count indicators are sums (not rounded); no row of the code gives 0.

Numbers

19. Arithmetic is exact: integers and ``Fraction``; DOUBLE inputs (wte, days, hours, indicator
    figures) are taken as the decimal they print as (``Fraction(repr(x))``), i.e. the figure
    written in the return. Rounding happens once, at the end, half away from zero (the same as
    ``decimal.ROUND_HALF_UP`` and DuckDB's ``round()`` on an exact decimal): percentages to 1
    place (0-100), means to 2 places. Values of shares, means and medians are floats; counts,
    numerators and denominators are ints where whole, else floats of the exact value, unrounded.
    Compare numerators, denominators and sums with SQL within a small tolerance; a value falling
    exactly on a rounding tie may differ where SQL rounds a binary DOUBLE (Python's own
    ``round()`` would give 6.2 for 6.25, this module 6.3).
20. A share or mean with nothing to divide by: numerator 0, denominator 0, value None; a median
    with no values: numerator None, denominator 0, value None.

Baseline

21. Default: ``baseline_period`` = the first period (in period order) where the (measure, org)
    has a non-None value; None on every row if it never has one. Configured: the given period on
    every row, whether or not the (measure, org) has a row there.
22. ``baseline_value`` = the value of the (measure, org) at ``baseline_period`` (None if no row or
    no value there). On rows before ``baseline_period`` both ``baseline_value`` and
    ``change_from_baseline`` are None; from it on, ``baseline_value`` is shown (even where the
    row's own value is None) and ``change_from_baseline`` = value - ``baseline_value`` computed
    from the two *rounded* values as shown (exact decimal difference, so it needs no further
    rounding), None where either is None.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import duckdb

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

REGION = "REGION"

# --- reference lists transcribed from returns.md (DSF functions from the seed) ---------------

STAR_AREAS = {
    "older_people": {
        "staying_well",
        "keeping_in_touch",
        "feeling_positive",
        "dignity",
        "looking_after_yourself",
        "staying_safe",
        "managing_money",
    },
    "family_plus": {
        "physical_health",
        "wellbeing",
        "emotional_needs",
        "keeping_safe",
        "social_networks",
        "education_learning",
        "boundaries_behaviour",
        "family_routine",
        "home_money",
        "progress_to_work",
    },
    "recovery": {
        "mental_health",
        "self_care",
        "living_skills",
        "social_networks",
        "work",
        "relationships",
        "addictive_behaviour",
        "responsibilities",
        "identity_self_esteem",
        "trust_hope",
    },
}

ASCOT_DOMAINS = [
    "control",
    "personal_care",
    "food_drink",
    "safety",
    "social",
    "occupation",
    "accommodation",
    "dignity",
]
ASCOT_EXPECTED = [f"{domain}_expected" for domain in ASCOT_DOMAINS]

RAW_ITEMS = {f"{letter}{n}" for letter in "RAW" for n in range(1, 5)}

# the common person fields (returns.md) a record places its person by in the breakdowns
PERSON_FIELDS = ("birth_year", "sex", "lgd_code", "programme_of_care")

INDICATOR_COUNTS = {
    "O4_QI_LEADS": "QI_LEADS",
    "O4_QI_MENTORS": "QI_MENTORS",
    "O4_IHI_ADVISERS": "IHI_ADVISERS",
    "O4_LEADERSHIP_COMPLETIONS": "LEADERSHIP_COMPLETIONS",
    "O4_LEP_SERVICE_USER_MEMBERS": "LEP_SERVICE_USER_MEMBERS",
}


def _dsf_functions() -> list[str]:
    with (SEEDS / "dsf_functions.csv").open(newline="", encoding="utf-8-sig") as f:
        return [row["function_code"] for row in csv.DictReader(f)]


DSF_FUNCTIONS = _dsf_functions()

# --- the measure catalog, transcribed from measures.md ----------------------------------------
# code: (outcome, oba_type, kind, source collection). kind: count | share | mean | median.
# "count" covers plain counts and sums (numerator = value, denominator empty).

CATALOG: dict[str, tuple[int, str, str, str]] = {
    # Outcome 1 — improving social wellbeing
    "O1_ASCOT_PEOPLE": (1, "how_much", "count", "ascot"),
    "O1_ASCOT_SCRQOL_MEAN": (1, "better_off", "mean", "ascot"),
    "O1_STAR_PEOPLE": (1, "how_much", "count", "star"),
    "O1_STAR_IMPROVED_PCT": (1, "better_off", "share", "star"),
    "O1_STAR_DISTANCE_MEAN": (1, "better_off", "mean", "star"),
    "O1_RAW_YP_MEAN": (1, "better_off", "mean", "raw"),
    "O1_RAW_GOOD_PCT": (1, "better_off", "share", "raw"),
    # Outcome 2 — skilled, confident and resilient workforce (the period's workforce snapshot)
    "O2_WTE": (2, "how_much", "count", "workforce"),
    "O2_HEADCOUNT": (2, "how_much", "count", "workforce"),
    "O2_AGENCY_WTE_PCT": (2, "how_well", "share", "workforce"),
    "O2_SICKNESS_PCT": (2, "how_well", "share", "workforce"),
    "O2_SICKNESS_PCT_AYE": (2, "how_well", "share", "workforce"),
    "O2_SICKNESS_PCT_BAND6": (2, "how_well", "share", "workforce"),
    "O2_AYE_HEADCOUNT": (2, "how_much", "count", "workforce"),
    "O2_AGED_50_PLUS_PCT": (2, "how_well", "share", "workforce"),
    "O2_RECRUIT_DAYS_MEDIAN": (2, "how_well", "median", "workforce"),
    "O2_DIRECT_WORK_PCT": (2, "better_off", "share", "workforce"),
    # Outcome 3 — effective interventions and services
    "O3_DSF_DUE": (3, "how_much", "count", "dsf"),
    "O3_DSF_ON_TIME_PCT": (3, "how_well", "share", "dsf"),
    **{f"O3_DSF_DUE_{fn}": (3, "how_much", "count", "dsf") for fn in DSF_FUNCTIONS},
    **{f"O3_DSF_ON_TIME_PCT_{fn}": (3, "how_well", "share", "dsf") for fn in DSF_FUNCTIONS},
    "O3_ASCOT_GAIN_MEAN": (3, "better_off", "mean", "ascot"),
    # Outcome 4 — a valued and respected profession
    "O4_SATISFIED_PCT": (4, "better_off", "share", "ascot"),
    "O4_RETENTION_PCT": (4, "how_well", "share", "workforce"),
    "O4_PUBLIC_RATING_PCT": (4, "population", "share", "indicators"),
    "O4_QI_LEADS": (4, "how_much", "count", "indicators"),
    "O4_QI_MENTORS": (4, "how_much", "count", "indicators"),
    "O4_IHI_ADVISERS": (4, "how_much", "count", "indicators"),
    "O4_LEADERSHIP_COMPLETIONS": (4, "how_much", "count", "indicators"),
    "O4_LEP_SERVICE_USER_MEMBERS": (4, "how_much", "count", "indicators"),
}

MART_COLUMNS = [
    "outcome",
    "measure_code",
    "oba_type",
    "org",
    "period",
    "numerator",
    "denominator",
    "value",
    "baseline_period",
    "baseline_value",
    "change_from_baseline",
    "suppressed",
]

# --- small helpers ----------------------------------------------------------------------------


def exact(x) -> Fraction:
    """An exact value: ints as they are, DOUBLEs as the decimal they print as."""
    if isinstance(x, int):
        return Fraction(x)
    return Fraction(repr(x))


def round_half_away(x: Fraction, places: int) -> Fraction:
    """``x`` rounded to ``places`` decimals, ties away from zero (like ROUND_HALF_UP)."""
    scale = 10**places
    scaled = abs(x) * scale
    rounded = int(scaled + Fraction(1, 2))  # floor, since the argument is ≥ 0
    return Fraction(rounded if x >= 0 else -rounded, scale)


def number(x: Fraction | int | None) -> int | float | None:
    """An exact figure as the mart shows it: an int where whole, else a float."""
    if x is None:
        return None
    x = Fraction(x)
    return x.numerator if x.denominator == 1 else float(x)


def shown(x: Fraction | int | None, kind: str) -> int | float | None:
    """A value as the mart shows it: counts as ``number``; shares, means, medians as floats."""
    if x is None or kind == "count":
        return number(x)
    return float(x)


def count(n) -> dict:
    return {"numerator": n, "denominator": None, "value": n}


def share(num, den) -> dict:
    """A percentage 0-100 to 1 place; None where there is nothing to divide by."""
    value = None if den == 0 else round_half_away(Fraction(num) * 100 / Fraction(den), 1)
    return {"numerator": num, "denominator": den, "value": value}


def mean(total, n: int) -> dict:
    value = None if n == 0 else round_half_away(Fraction(total) / n, 2)
    return {"numerator": total, "denominator": n, "value": value}


def median(values: list[int]) -> dict:
    # statistics.median: an even count gives the mean of the middle two.
    value = Fraction(statistics.median(values)) if values else None
    return {"numerator": None, "denominator": len(values), "value": value}


def latest(rows: list[dict], date_field: str, id_field: str) -> dict:
    """The latest row: latest date, ties the higher id compared as text, then the higher org."""
    return max(rows, key=lambda r: (r[date_field], str(r[id_field]), r["org"]))


def previous_quarter(period: str) -> str:
    """``2025-26-Q1`` → ``2024-25-Q4``; ``2025-26-Q3`` → ``2025-26-Q2``."""
    start_year = int(period[:4])
    quarter = int(period[-1])
    if quarter > 1:
        return f"{period[:-1]}{quarter - 1}"
    prior = start_year - 1
    return f"{prior}-{(prior + 1) % 100:02d}-Q4"


# --- reading the warehouse ----------------------------------------------------------------------


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, set], dict[str, list[dict]]]:
    """The loaded returns ({collection: {(org, period)}}) and the rows that count, by collection."""
    versions = _fetch(
        con, "select collection, org, period, version from ingest.file_versions where is_current"
    )
    loaded: dict[str, set] = defaultdict(set)
    current: set = set()
    for v in versions:
        loaded[v["collection"]].add((v["org"], v["period"]))
        current.add((v["collection"], v["org"], v["period"], v["version"]))
    tables = {}
    for collection in ("star", "ascot", "dsf", "raw", "workforce", "indicators"):
        rows = _fetch(con, f"select * from returns.{collection}")
        tables[collection] = [
            r for r in rows if (collection, r["org"], r["period"], r["version"]) in current
        ]
    return loaded, tables


# --- measures by source collection --------------------------------------------------------------
# Each function gets the rows of one scope (one Trust, or every Trust for REGION) and a period,
# and returns {measure_code: {"numerator", "denominator", "value"}}.


def ascot_measures(rows: list[dict], period: str) -> dict[str, dict]:
    in_period = [r for r in rows if r["period"] == period]

    # O1: assessments with all eight current domains; each person's latest one.
    complete = [r for r in in_period if all(r[d] is not None for d in ASCOT_DOMAINS)]
    by_person = defaultdict(list)
    for r in complete:
        by_person[r["person_key"]].append(r)
    scrqol_total = 0
    for assessments in by_person.values():
        chosen = latest(assessments, "assessment_date", "assessment_id")
        scrqol_total += sum(chosen[d] for d in ASCOT_DOMAINS)

    # O3: INT4 assessments with all sixteen values; each person's latest one.
    int4 = [
        r
        for r in in_period
        if r["instrument"] == "INT4"
        and all(r[d] is not None for d in ASCOT_DOMAINS + ASCOT_EXPECTED)
    ]
    int4_by_person = defaultdict(list)
    for r in int4:
        int4_by_person[r["person_key"]].append(r)
    gain_total = 0
    for assessments in int4_by_person.values():
        chosen = latest(assessments, "assessment_date", "assessment_id")
        current = sum(chosen[d] for d in ASCOT_DOMAINS)
        expected = sum(chosen[d] for d in ASCOT_EXPECTED)
        gain_total += current - expected

    # O4: each person's latest assessment with satisfaction given; answered 1 or 2.
    answered = [r for r in in_period if r["satisfaction"] is not None]
    answered_by_person = defaultdict(list)
    for r in answered:
        answered_by_person[r["person_key"]].append(r)
    satisfied = 0
    for assessments in answered_by_person.values():
        chosen = latest(assessments, "assessment_date", "assessment_id")
        if chosen["satisfaction"] in (1, 2):
            satisfied += 1

    return {
        "O1_ASCOT_PEOPLE": count(len(by_person)),
        "O1_ASCOT_SCRQOL_MEAN": mean(scrqol_total, len(by_person)),
        "O3_ASCOT_GAIN_MEAN": mean(gain_total, len(int4_by_person)),
        "O4_SATISFIED_PCT": share(satisfied, len(answered_by_person)),
    }


def star_readings(rows: list[dict]) -> list[dict]:
    """One dict per reading (org, reading_id) with its attributes, completeness and mean score;
    the person fields as its first row in the file gives them (they repeat on every row)."""
    grouped = defaultdict(list)
    for r in rows:
        grouped[(r["org"], r["reading_id"])].append(r)
    readings = []
    for (org, reading_id), area_rows in grouped.items():
        first_row = min(area_rows, key=lambda r: r["source_row"])
        scored = {r["area_code"] for r in area_rows if r["score"] is not None}
        areas = STAR_AREAS.get(first_row["star_version"], set())
        scores = [r["score"] for r in area_rows if r["score"] is not None]
        readings.append(
            {
                "org": org,
                "reading_id": reading_id,
                "person_key": first_row["person_key"],
                "star_version": first_row["star_version"],
                "reading_date": first_row["reading_date"],
                "reading_number": first_row["reading_number"],
                "period": first_row["period"],
                "complete": bool(areas) and areas.issubset(scored),
                "mean_score": Fraction(sum(scores), len(scores)) if scores else None,
                **{f: first_row[f] for f in PERSON_FIELDS},
            }
        )
    return readings


def progress_pairs(readings: list[dict], period: str) -> list[tuple[dict, dict]]:
    """(first, latest) readings of the (person, Star version) pairs the progress measures count
    in ``period``: a first reading is loaded and the latest complete reading up to the period
    end falls in the period and is not that first reading."""
    pairs = defaultdict(list)
    for r in readings:
        pairs[(r["person_key"], r["star_version"])].append(r)
    counted = []
    for pair_readings in pairs.values():
        firsts = [r for r in pair_readings if r["reading_number"] == 1]
        if not firsts:
            continue  # no first reading loaded
        # earliest; ties the lower id (then the lower org)
        first = min(firsts, key=lambda r: (r["reading_date"], str(r["reading_id"]), r["org"]))
        candidates = [r for r in pair_readings if r["complete"] and r["period"] <= period]
        if not candidates:
            continue
        last = latest(candidates, "reading_date", "reading_id")
        if last["period"] != period or last is first or first["mean_score"] is None:
            continue
        counted.append((first, last))
    return counted


def star_measures(readings: list[dict], period: str) -> dict[str, dict]:
    # O1_STAR_PEOPLE: distinct people with a complete reading in the period.
    people = {r["person_key"] for r in readings if r["complete"] and r["period"] == period}

    counted = improved = 0
    distance_total = Fraction(0)
    for first, last in progress_pairs(readings, period):
        counted += 1
        if last["mean_score"] > first["mean_score"]:
            improved += 1
        distance_total += last["mean_score"] - first["mean_score"]

    return {
        "O1_STAR_PEOPLE": count(len(people)),
        "O1_STAR_IMPROVED_PCT": share(improved, counted),
        "O1_STAR_DISTANCE_MEAN": mean(distance_total, counted),
    }


def raw_measures(rows: list[dict], period: str) -> dict[str, dict]:
    questionnaires = defaultdict(list)
    for r in rows:
        if r["period"] == period and r["respondent"] == "young_person":
            questionnaires[(r["org"], r["response_id"])].append(r)
    scores = []
    for items in questionnaires.values():
        answered = {r["item_code"] for r in items if r["score"] is not None}
        if not RAW_ITEMS.issubset(answered):
            continue  # not complete
        item_sum = sum(r["score"] for r in items if r["item_code"] in RAW_ITEMS)
        scores.append(Fraction(item_sum * 100, 48))
    good = sum(1 for s in scores if s >= 75)
    return {
        "O1_RAW_YP_MEAN": mean(sum(scores, Fraction(0)), len(scores)),
        "O1_RAW_GOOD_PCT": share(good, len(scores)),
    }


def workforce_measures(rows: list[dict], period: str) -> dict[str, dict]:
    staff = [r for r in rows if r["period"] == period]
    aye = [r for r in staff if r["aye"] is True]
    band6 = [r for r in staff if r["band"] == "6"]
    direct = [r for r in staff if r["direct_work_hours"] is not None]
    recruit = [r["recruitment_days"] for r in staff if r["recruitment_days"] is not None]

    def total(group: list[dict], field: str) -> Fraction:
        return sum((exact(r[field]) for r in group), Fraction(0))

    def headcount(group: list[dict]) -> int:
        return len({(r["org"], r["worker_key"]) for r in group})

    agency = [r for r in staff if r["contract_type"] == "agency"]
    aged_50 = [r for r in staff if r["age_band"] in ("50_59", "60_plus")]
    return {
        "O2_WTE": count(total(staff, "wte")),
        "O2_HEADCOUNT": count(headcount(staff)),
        "O2_AGENCY_WTE_PCT": share(total(agency, "wte"), total(staff, "wte")),
        "O2_SICKNESS_PCT": share(total(staff, "sickness_days"), total(staff, "contracted_days")),
        "O2_SICKNESS_PCT_AYE": share(total(aye, "sickness_days"), total(aye, "contracted_days")),
        "O2_SICKNESS_PCT_BAND6": share(
            total(band6, "sickness_days"), total(band6, "contracted_days")
        ),
        "O2_AYE_HEADCOUNT": count(headcount(aye)),
        "O2_AGED_50_PLUS_PCT": share(headcount(aged_50), headcount(staff)),
        "O2_RECRUIT_DAYS_MEDIAN": median(recruit),
        "O2_DIRECT_WORK_PCT": share(
            total(direct, "direct_work_hours"),
            total(direct, "contracted_days") * Fraction(75, 10),
        ),
    }


def retention(rows: list[dict], period: str) -> tuple[int, int]:
    """(retained, previous) for one Trust: previous quarter's post holders still in post."""
    previous = {r["worker_key"] for r in rows if r["period"] == previous_quarter(period)}
    now = {r["worker_key"] for r in rows if r["period"] == period}
    return len(previous & now), len(previous)


def dsf_measures(rows: list[dict], period: str) -> dict[str, dict]:
    events = [r for r in rows if r["period"] == period]

    def on_time(r: dict) -> bool:
        return r["completed_date"] is not None and r["completed_date"] <= r["due_date"]

    result = {
        "O3_DSF_DUE": count(len(events)),
        "O3_DSF_ON_TIME_PCT": share(sum(1 for r in events if on_time(r)), len(events)),
    }
    for fn in DSF_FUNCTIONS:
        due = [r for r in events if r["function_code"] == fn]
        result[f"O3_DSF_DUE_{fn}"] = count(len(due))
        result[f"O3_DSF_ON_TIME_PCT_{fn}"] = share(sum(1 for r in due if on_time(r)), len(due))
    return result


def indicator_measures(rows: list[dict], period: str) -> dict[str, dict]:
    in_period = [r for r in rows if r["period"] == period]
    rating = [
        r
        for r in in_period
        if r["indicator_code"] == "PUBLIC_RATING_FAIR_OR_BETTER" and r["denominator"] is not None
    ]
    result = {
        "O4_PUBLIC_RATING_PCT": share(
            sum((exact(r["numerator"]) for r in rating), Fraction(0)),
            sum((exact(r["denominator"]) for r in rating), Fraction(0)),
        )
    }
    for code, indicator in INDICATOR_COUNTS.items():
        result[code] = count(
            sum(
                (exact(r["numerator"]) for r in in_period if r["indicator_code"] == indicator),
                Fraction(0),
            )
        )
    return result


# --- putting it together ------------------------------------------------------------------------


def _by_org(rows: list[dict]) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for r in rows:
        grouped[r["org"]].append(r)
    return grouped


def _scopes(loaded: set, period: str, *, region_submits: bool = False) -> list[str]:
    """The orgs with a row for ``period`` (Trusts that loaded the return, then REGION if any)."""
    orgs = sorted({org for org, p in loaded if p == period and org != REGION})
    region_loaded = (REGION, period) in loaded and region_submits
    return [*orgs, REGION] if orgs or region_loaded else []


def measure_values(loaded: dict[str, set], tables: dict[str, list[dict]]) -> list[dict]:
    """One entry per (measure, org, period) with numerator, denominator and (rounded) value."""
    out = []

    def emit(org: str, period: str, results: dict[str, dict]) -> None:
        for code, figures in results.items():
            out.append({"measure_code": code, "org": org, "period": period, **figures})

    trust_rows = {c: [r for r in rows if r["org"] != REGION] for c, rows in tables.items()}

    # Measures that look at one period of one collection.
    simple = {
        "ascot": ascot_measures,
        "raw": raw_measures,
        "dsf": dsf_measures,
        "workforce": workforce_measures,
    }
    for collection, fn in simple.items():
        by_org = _by_org(trust_rows[collection])
        for period in sorted({p for _, p in loaded[collection]}):
            for org in _scopes(loaded[collection], period):
                scope = trust_rows[collection] if org == REGION else by_org[org]
                emit(org, period, fn(scope, period))

    # Star: readings are built once per scope, looking across all loaded periods.
    readings = star_readings(trust_rows["star"])
    readings_by_org = _by_org(readings)
    for period in sorted({p for _, p in loaded["star"]}):
        for org in _scopes(loaded["star"], period):
            scope = readings if org == REGION else readings_by_org[org]
            emit(org, period, star_measures(scope, period))

    # Retention: Trusts with this and the previous quarter's snapshot; REGION sums them.
    workforce_by_org = _by_org(trust_rows["workforce"])
    for period in sorted({p for _, p in loaded["workforce"]}):
        sum_retained = sum_previous = 0
        trusts_with_row = 0
        for org in _scopes(loaded["workforce"], period):
            if org == REGION:
                continue
            if (org, previous_quarter(period)) not in loaded["workforce"]:
                continue  # no snapshot for the preceding quarter: no row
            retained, previous = retention(workforce_by_org[org], period)
            emit(org, period, {"O4_RETENTION_PCT": share(retained, previous)})
            sum_retained += retained
            sum_previous += previous
            trusts_with_row += 1
        if trusts_with_row:
            emit(REGION, period, {"O4_RETENTION_PCT": share(sum_retained, sum_previous)})

    # Indicators: a Trust's own rows; REGION = every Trust's rows plus REGION's own.
    indicators_by_org = _by_org(tables["indicators"])
    for period in sorted({p for _, p in loaded["indicators"]}):
        for org in _scopes(loaded["indicators"], period, region_submits=True):
            scope = tables["indicators"] if org == REGION else indicators_by_org[org]
            emit(org, period, indicator_measures(scope, period))

    return out


def add_baselines(
    rows: list[dict], baseline_period: str | None, key: tuple[str, ...] = ("measure_code", "org")
) -> None:
    """Fill baseline_period, baseline_value and change_from_baseline per series: rows with the
    same ``key`` (a (measure, org); in the breakdowns a (measure, dimension, category))."""
    series = defaultdict(list)
    for r in rows:
        series[tuple(r[k] for k in key)].append(r)
    for member_rows in series.values():
        member_rows.sort(key=lambda r: r["period"])
        if baseline_period is None:
            with_value = [r["period"] for r in member_rows if r["value"] is not None]
            base_period = with_value[0] if with_value else None
        else:
            base_period = baseline_period
        base_value = next(
            (r["value"] for r in member_rows if r["period"] == base_period),
            None,
        )
        for r in member_rows:
            r["baseline_period"] = base_period
            if base_period is None or r["period"] < base_period:
                r["baseline_value"] = None
                r["change_from_baseline"] = None
                continue
            r["baseline_value"] = base_value
            if r["value"] is None or base_value is None:
                r["change_from_baseline"] = None
            else:
                r["change_from_baseline"] = r["value"] - base_value


def compute(con: duckdb.DuckDBPyConnection, baseline_period: str | None = None) -> list[dict]:
    """Every mart row of ``measures.md``, computed independently of the dbt models."""
    loaded, tables = load(con)
    rows = measure_values(loaded, tables)
    add_baselines(rows, baseline_period)  # on the exact rounded values (Fractions)

    order = {code: i for i, code in enumerate(CATALOG)}
    result = []
    for r in rows:
        outcome, oba_type, kind, _source = CATALOG[r["measure_code"]]
        result.append(
            {
                "outcome": outcome,
                "measure_code": r["measure_code"],
                "oba_type": oba_type,
                "org": r["org"],
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
    result.sort(
        key=lambda r: (
            r["outcome"],
            order[r["measure_code"]],
            r["org"] == REGION,
            r["org"],
            r["period"],
        )
    )
    return result
