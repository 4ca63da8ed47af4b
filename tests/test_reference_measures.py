"""Hand-worked cases for the reference measures (``tests/reference_measures.py``).

Each test builds a tiny warehouse in memory (the ``returns`` tables and ``ingest.file_versions``
as the loader leaves them) and checks figures worked out by hand in the comments.
Periods: Q1 = 2025-26-Q1 (Apr-Jun 2025), Q2 = Jul-Sep 2025, Q3 = Oct-Dec 2025.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.reference_measures import (
    CATALOG,
    DSF_FUNCTIONS,
    MART_COLUMNS,
    STAR_AREAS,
    compute,
    previous_quarter,
)

Q1, Q2, Q3 = "2025-26-Q1", "2025-26-Q2", "2025-26-Q3"
PERIOD_END = {Q1: dt.date(2025, 6, 30), Q2: dt.date(2025, 9, 30), Q3: dt.date(2025, 12, 31)}

COLUMNS = {
    "star": (
        "reading_id varchar, person_key varchar, worker_key varchar, birth_year bigint, "
        "sex varchar, lgd_code varchar, programme_of_care varchar, star_version varchar, "
        "reading_date date, reading_number bigint, area_code varchar, score bigint"
    ),
    "ascot": (
        "assessment_id varchar, person_key varchar, worker_key varchar, birth_year bigint, "
        "sex varchar, lgd_code varchar, programme_of_care varchar, assessment_date date, "
        "instrument varchar, control bigint, personal_care bigint, food_drink bigint, "
        "safety bigint, social bigint, occupation bigint, accommodation bigint, dignity bigint, "
        "control_expected bigint, personal_care_expected bigint, food_drink_expected bigint, "
        "safety_expected bigint, social_expected bigint, occupation_expected bigint, "
        "accommodation_expected bigint, dignity_expected bigint, satisfaction bigint"
    ),
    "dsf": (
        "event_id varchar, person_key varchar, birth_year bigint, sex varchar, "
        "lgd_code varchar, programme_of_care varchar, function_code varchar, start_date date, "
        "due_date date, completed_date date"
    ),
    "raw": (
        "response_id varchar, person_key varchar, worker_key varchar, birth_year bigint, "
        "sex varchar, lgd_code varchar, response_date date, respondent varchar, "
        "item_code varchar, score bigint"
    ),
    "workforce": (
        "worker_key varchar, snapshot_date date, job_role varchar, band varchar, wte double, "
        "contract_type varchar, aye boolean, age_band varchar, programme_of_care varchar, "
        "contracted_days bigint, sickness_days double, direct_work_hours double, "
        "recruitment_days bigint"
    ),
    "indicators": "indicator_code varchar, numerator double, denominator double, note varchar",
}

DOMAINS = [
    "control",
    "personal_care",
    "food_drink",
    "safety",
    "social",
    "occupation",
    "accommodation",
    "dignity",
]
RAW_ITEMS = [f"{letter}{n}" for letter in "RAW" for n in range(1, 5)]


class Warehouse:
    """An in-memory warehouse, one return (collection, org, period, version) added at a time."""

    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute("create schema returns; create schema ingest")
        self.con.execute(
            "create table ingest.file_versions (collection varchar, org varchar, period varchar, "
            "version integer, file_name varchar, sha256 varchar, received_at timestamp, "
            "loaded_at timestamp, rows bigint, loaded bigint, quarantined bigint, "
            "refused varchar, warnings varchar, is_current boolean)"
        )
        for collection, columns in COLUMNS.items():
            self.con.execute(
                f"create table returns.{collection} (org varchar, period varchar, "
                f"version integer, source_row bigint, {columns})"
            )

    def add(self, collection, org, period, rows, *, version=1, current=True) -> Warehouse:
        now = dt.datetime(2026, 1, 1)
        self.con.execute(
            "insert into ingest.file_versions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, null, "
            "null, ?)",
            [
                collection,
                org,
                period,
                version,
                f"{collection}_{org}_{period}_v{version}.csv",
                f"sha-{collection}-{org}-{period}-{version}",
                now,
                now,
                len(rows),
                len(rows),
                current,
            ],
        )
        for n, row in enumerate(rows, start=2):
            full = {"org": org, "period": period, "version": version, "source_row": n, **row}
            names = ", ".join(full)
            marks = ", ".join("?" for _ in full)
            self.con.execute(
                f"insert into returns.{collection} ({names}) values ({marks})", list(full.values())
            )
        return self

    def compute(self, baseline_period=None) -> dict:
        rows = compute(self.con, baseline_period)
        return {(r["measure_code"], r["org"], r["period"]): r for r in rows}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def ascot(aid, person, date, domains, *, instrument="SCT4", expected=None, satisfaction=None):
    """One assessment; ``domains`` is one value for all eight or a list of eight (None = empty)."""
    current = domains if isinstance(domains, list) else [domains] * 8
    row = {
        "assessment_id": aid,
        "person_key": person,
        "assessment_date": d(date),
        "instrument": instrument,
        "satisfaction": satisfaction,
        **dict(zip(DOMAINS, current, strict=True)),
    }
    if expected is not None:
        exp = expected if isinstance(expected, list) else [expected] * 8
        row.update({f"{k}_expected": v for k, v in zip(DOMAINS, exp, strict=True)})
    return row


def star(rid, person, version, date, number, scores):
    """One reading's rows; ``scores`` is one score for every area or a list in area order."""
    areas = sorted(STAR_AREAS[version])
    values = scores if isinstance(scores, list) else [scores] * len(areas)
    return [
        {
            "reading_id": rid,
            "person_key": person,
            "star_version": version,
            "reading_date": d(date),
            "reading_number": number,
            "area_code": area,
            "score": score,
        }
        for area, score in zip(areas, values, strict=True)
    ]


def raw(rid, person, date, scores, respondent="young_person", items=RAW_ITEMS):
    return [
        {
            "response_id": rid,
            "person_key": person,
            "response_date": d(date),
            "respondent": respondent,
            "item_code": item,
            "score": score,
        }
        for item, score in zip(items, scores, strict=True)
    ]


def dsf(eid, function, due, completed=None, person="P1"):
    return {
        "event_id": eid,
        "person_key": person,
        "function_code": function,
        "start_date": d(due) - dt.timedelta(days=10),
        "due_date": d(due),
        "completed_date": d(completed) if completed else None,
    }


def staff(key, period, **fields):
    row = {
        "worker_key": key,
        "snapshot_date": PERIOD_END[period],
        "job_role": "social_worker",
        "band": "6",
        "wte": 1.0,
        "contract_type": "permanent",
        "aye": False,
        "age_band": "30_39",
        "contracted_days": 60,
        "sickness_days": 0.0,
        "direct_work_hours": None,
        "recruitment_days": None,
    }
    return {**row, **fields}


def indicator(code, numerator, denominator=None):
    return {"indicator_code": code, "numerator": numerator, "denominator": denominator}


# --- the catalog and the row shape -------------------------------------------------------------


def test_catalog_has_every_measure_of_measures_md():
    # 7 (outcome 1) + 10 (outcome 2) + 2 + 2 x 6 functions + 1 (outcome 3) + 8 (outcome 4) = 40
    assert DSF_FUNCTIONS == [
        "CP_ICPC",
        "CP_REVIEW",
        "LAC_REVIEW",
        "ASG_INVESTIGATION",
        "MH_ASW_ASSESSMENT",
        "CARER_ASSESSMENT",
    ]
    assert len(CATALOG) == 40
    assert CATALOG["O3_DSF_ON_TIME_PCT_LAC_REVIEW"][:3] == (3, "how_well", "share")
    assert CATALOG["O4_PUBLIC_RATING_PCT"][:2] == (4, "population")
    assert CATALOG["O2_DIRECT_WORK_PCT"][:2] == (2, "better_off")


def test_rows_have_exactly_the_mart_columns_and_true_values():
    wh = Warehouse().add("dsf", "BHSCT", Q1, [dsf("e1", "CP_ICPC", "2025-05-01")])
    rows = compute(wh.con)
    assert rows
    for row in rows:
        assert list(row) == MART_COLUMNS
        assert row["suppressed"] is False


def test_previous_quarter():
    assert previous_quarter("2025-26-Q1") == "2024-25-Q4"
    assert previous_quarter("2025-26-Q4") == "2025-26-Q3"
    assert previous_quarter("2000-01-Q1") == "1999-00-Q4"


# --- outcome 1: ASCOT ---------------------------------------------------------------------------


def test_ascot_latest_assessment_per_person_and_satisfaction():
    wh = Warehouse().add(
        "ascot",
        "BHSCT",
        Q1,
        [
            ascot("a1", "P1", "2025-04-10", 1, satisfaction=2),  # SCRQoL 8
            ascot("a2", "P1", "2025-05-01", 2),  # SCRQoL 16: P1's latest; no satisfaction
            ascot("a10", "P2", "2025-06-01", 3, satisfaction=1),  # 24
            ascot("a9", "P2", "2025-06-01", 1, satisfaction=5),  # 8: same date, "a9" > "a10"
            ascot("a3", "P3", "2025-06-15", [None, 3, 3, 3, 3, 3, 3, 3], satisfaction=3),
        ],
    )
    m = wh.compute()
    # People with a complete assessment: P1, P2 (P3's only assessment misses a domain) = 2
    people = m["O1_ASCOT_PEOPLE", "BHSCT", Q1]
    assert (people["value"], people["numerator"], people["denominator"]) == (2, 2, None)
    # Latest per person: P1 a2 = 16, P2 a9 = 8 (tie on date, higher id as text) -> 24 / 2 = 12.00
    scrqol = m["O1_ASCOT_SCRQOL_MEAN", "BHSCT", Q1]
    assert (scrqol["numerator"], scrqol["denominator"], scrqol["value"]) == (24, 2, 12.0)
    # Satisfaction at the latest assessment with it given: P1 a1 = 2 (yes), P2 a9 = 5 (no),
    # P3 a3 = 3 (no) -> 1 / 3 = 33.3
    satisfied = m["O4_SATISFIED_PCT", "BHSCT", Q1]
    assert (satisfied["numerator"], satisfied["denominator"], satisfied["value"]) == (1, 3, 33.3)
    # No INT4 assessments: a mean with nothing to divide by is empty, not suppressed
    gain = m["O3_ASCOT_GAIN_MEAN", "BHSCT", Q1]
    assert (gain["numerator"], gain["denominator"], gain["value"]) == (0, 0, None)
    assert gain["suppressed"] is False


def test_ascot_gain_uses_int4_with_all_sixteen_values_latest_per_person():
    wh = Warehouse().add(
        "ascot",
        "BHSCT",
        Q1,
        [
            ascot("g1", "P1", "2025-04-01", 2, instrument="INT4", expected=1),  # 16 - 8 = 8
            ascot("g2", "P1", "2025-05-01", 3, instrument="INT4", expected=1),  # 24 - 8 = 16
            ascot(
                "g3", "P2", "2025-05-01", 2, instrument="INT4", expected=[1] * 7 + [None]
            ),  # an expected value missing: no gain
            ascot("g4", "P3", "2025-05-02", 2, instrument="INT4", expected=2),  # 16 - 16 = 0
        ],
    )
    m = wh.compute()
    # P1's latest g2 (16) and P3's g4 (0): (16 + 0) / 2 = 8.00
    gain = m["O3_ASCOT_GAIN_MEAN", "BHSCT", Q1]
    assert (gain["numerator"], gain["denominator"], gain["value"]) == (16, 2, 8.0)
    # P2 still counts for outcome 1 (its eight current domains are present)
    assert m["O1_ASCOT_PEOPLE", "BHSCT", Q1]["value"] == 3


def test_mean_rounds_half_up_at_the_end():
    # Seven people with SCRQoL 12 and one with 13: 97 / 8 = 12.125 exactly -> 12.13
    # (Python's round(12.125, 2) would give 12.12).
    twelve = [2, 2, 2, 2, 1, 1, 1, 1]
    thirteen = [2, 2, 2, 2, 2, 1, 1, 1]
    rows = [ascot(f"a{i}", f"P{i}", "2025-05-01", twelve) for i in range(7)]
    rows.append(ascot("a7", "P7", "2025-05-01", thirteen))
    m = Warehouse().add("ascot", "BHSCT", Q1, rows).compute()
    scrqol = m["O1_ASCOT_SCRQOL_MEAN", "BHSCT", Q1]
    assert (scrqol["numerator"], scrqol["denominator"], scrqol["value"]) == (97, 8, 12.13)


def test_region_is_pooled_not_the_mean_of_trusts():
    wh = (
        Warehouse()
        .add(
            "ascot",
            "BHSCT",
            Q1,
            [
                ascot("b1", "X", "2025-04-10", [2, 2, 1, 1, 1, 1, 1, 1]),  # 10
                ascot("b2", "Y", "2025-04-11", [2, 2, 2, 2, 2, 2, 1, 1]),  # 14
            ],
        )
        .add("ascot", "NHSCT", Q1, [ascot("n1", "X", "2025-05-10", [3, 3, 3, 3, 2, 2, 2, 2])])
    )
    m = wh.compute()
    # BHSCT: X 10, Y 14 -> 12.00; NHSCT: X 20 -> 20.00
    assert m["O1_ASCOT_SCRQOL_MEAN", "BHSCT", Q1]["value"] == 12.0
    assert m["O1_ASCOT_SCRQOL_MEAN", "NHSCT", Q1]["value"] == 20.0
    # REGION: X counts once (2 people, not 1 + 2 = 3); X's latest across Trusts is NHSCT's 20:
    # (20 + 14) / 2 = 17.00 (the mean of Trust values would be 16.00)
    assert m["O1_ASCOT_PEOPLE", "REGION", Q1]["value"] == 2
    region = m["O1_ASCOT_SCRQOL_MEAN", "REGION", Q1]
    assert (region["numerator"], region["denominator"], region["value"]) == (34, 2, 17.0)


# --- outcome 1: Star ----------------------------------------------------------------------------


def test_star_first_reading_in_an_earlier_period_and_latest_reading_is_the_first():
    wh = (
        Warehouse()
        .add(
            "star",
            "BHSCT",
            Q1,
            [
                *star("r1", "P1", "older_people", "2025-04-10", 1, 3),  # mean 3
                *star("r5", "P3", "older_people", "2025-04-05", 1, 4),  # mean 4
                *star("r6", "P3", "older_people", "2025-05-05", 2, 6),  # mean 6
            ],
        )
        .add(
            "star",
            "BHSCT",
            Q2,
            [
                *star("r2", "P1", "older_people", "2025-08-01", 2, 5),  # mean 5
                *star("r3", "P2", "recovery", "2025-08-01", 1, 7),  # only a first reading
                *star("r7", "P4", "family_plus", "2025-07-01", 1, 5),  # mean 5
                *star("r8", "P4", "family_plus", "2025-09-01", 2, [4] * 8 + [5] * 2),  # 4.2
            ],
        )
        .add("star", "BHSCT", Q3, [])  # a nil return
    )
    m = wh.compute()
    # Q1: people P1, P3. Pairs: P1's latest up to Q1 is r1, its first -> excluded;
    # P3: r5 (4) -> r6 (6), improved, +2 -> 1/1 = 100.0, distance 2.00
    assert m["O1_STAR_PEOPLE", "BHSCT", Q1]["value"] == 2
    improved = m["O1_STAR_IMPROVED_PCT", "BHSCT", Q1]
    assert (improved["numerator"], improved["denominator"], improved["value"]) == (1, 1, 100.0)
    assert m["O1_STAR_DISTANCE_MEAN", "BHSCT", Q1]["value"] == 2.0
    # Q2: people P1, P2, P4. Pairs: P1 first r1 in Q1 (3) -> r2 (5): improved, +2;
    # P2 latest is its first -> excluded; P3's latest (r6) is in Q1 -> not in Q2;
    # P4 r7 (5) -> r8 (4.2): not improved, -0.8.  1/2 = 50.0; (2 - 0.8) / 2 = 0.60
    assert m["O1_STAR_PEOPLE", "BHSCT", Q2]["value"] == 3
    improved = m["O1_STAR_IMPROVED_PCT", "BHSCT", Q2]
    assert (improved["numerator"], improved["denominator"], improved["value"]) == (1, 2, 50.0)
    distance = m["O1_STAR_DISTANCE_MEAN", "BHSCT", Q2]
    assert distance["numerator"] == pytest.approx(1.2)
    assert (distance["denominator"], distance["value"]) == (2, 0.6)
    # Q3 (nil): no reading in Q3, so no pair's latest reading falls in it
    assert m["O1_STAR_PEOPLE", "BHSCT", Q3]["value"] == 0
    assert m["O1_STAR_IMPROVED_PCT", "BHSCT", Q3]["value"] is None
    assert m["O1_STAR_DISTANCE_MEAN", "BHSCT", Q3]["denominator"] == 0


def test_star_several_first_readings_and_region_pooled():
    wh = (
        Warehouse()
        .add(
            "star",
            "BHSCT",
            Q1,
            [
                *star("s1", "P1", "older_people", "2025-04-20", 1, 2),  # mean 2
                *star("b2", "P5", "older_people", "2025-05-01", 1, 2),  # mean 2
                *star("b10", "P5", "older_people", "2025-05-01", 1, 6),  # mean 6
                *star("b3", "P5", "older_people", "2025-06-01", 2, 4),  # mean 4
            ],
        )
        .add("star", "BHSCT", Q2, [])
        .add("star", "NHSCT", Q1, star("s2", "P1", "older_people", "2025-04-10", 1, 4))
        .add("star", "NHSCT", Q2, star("s3", "P1", "older_people", "2025-07-10", 2, 3))
    )
    m = wh.compute()
    # BHSCT Q1, pair P5: two number-1 readings on the same date: the lower id as text, "b10"
    # (6), is the first; latest b3 (4): not improved, -2 -> 0/1 = 0.0, distance -2.00.
    # Pair P1 (s1 only) is excluded: its latest reading is its first.
    assert m["O1_STAR_IMPROVED_PCT", "BHSCT", Q1]["value"] == 0.0
    assert m["O1_STAR_DISTANCE_MEAN", "BHSCT", Q1]["value"] == -2.0
    # REGION Q1: P1 is one person though read in two Trusts: people = P1, P5 = 2
    assert m["O1_STAR_PEOPLE", "REGION", Q1]["value"] == 2
    assert m["O1_STAR_PEOPLE", "BHSCT", Q1]["value"] == 2
    assert m["O1_STAR_PEOPLE", "NHSCT", Q1]["value"] == 1
    # NHSCT Q2: s2 (4) -> s3 (3): 0/1 = 0.0, -1.00
    assert m["O1_STAR_IMPROVED_PCT", "NHSCT", Q2]["value"] == 0.0
    assert m["O1_STAR_DISTANCE_MEAN", "NHSCT", Q2]["value"] == -1.0
    # BHSCT Q2 (nil): P1's BHSCT readings (s1 only) give no pair in Q2
    assert m["O1_STAR_IMPROVED_PCT", "BHSCT", Q2]["value"] is None
    # REGION Q2, pooled: P1's first is the earliest number-1 reading across Trusts, s2 (4, 10 Apr,
    # not BHSCT's s1 of 20 Apr); latest s3 (3): not improved, -1 -> 0.0 and -1.00
    assert m["O1_STAR_IMPROVED_PCT", "REGION", Q2]["value"] == 0.0
    assert m["O1_STAR_DISTANCE_MEAN", "REGION", Q2]["value"] == -1.0
    # REGION Q1, pooled: P5 as in BHSCT (-2). P1: first s2 (10 Apr, 4); latest up to Q1 is s1
    # (20 Apr, 2), a number-1 reading but not *the* first, so the pair counts (literal reading):
    # -2, not improved. -> 0/2 = 0.0, distance -2.00
    region = m["O1_STAR_IMPROVED_PCT", "REGION", Q1]
    assert (region["numerator"], region["denominator"], region["value"]) == (0, 2, 0.0)
    assert m["O1_STAR_DISTANCE_MEAN", "REGION", Q1]["value"] == -2.0


# --- outcome 1: RAW -----------------------------------------------------------------------------


def test_raw_good_boundary_at_75_and_complete_young_person_only():
    wh = Warehouse().add(
        "raw",
        "BHSCT",
        Q1,
        [
            *raw("q1", "P1", "2025-05-01", [3] * 12),  # 36 x 100 / 48 = 75.0: good
            *raw("q2", "P2", "2025-05-01", [3] * 11 + [2]),  # 35 x 100 / 48 = 72.916..: not good
            *raw("q3", "P1", "2025-05-01", [4] * 12, respondent="social_worker"),  # not counted
            *raw("q4", "P3", "2025-05-01", [4] * 11, items=RAW_ITEMS[:11]),  # incomplete
        ],
    )
    m = wh.compute()
    # Mean (75 + 72.91666..) / 2 = 73.958333.. -> 73.96 (rounded only at the end)
    mean = m["O1_RAW_YP_MEAN", "BHSCT", Q1]
    assert mean["numerator"] == pytest.approx(1775 / 12)
    assert (mean["denominator"], mean["value"]) == (2, 73.96)
    good = m["O1_RAW_GOOD_PCT", "BHSCT", Q1]
    assert (good["numerator"], good["denominator"], good["value"]) == (1, 2, 50.0)


# --- outcome 2 ----------------------------------------------------------------------------------


def test_workforce_measures_and_even_count_median():
    wh = (
        Warehouse()
        .add(
            "workforce",
            "BHSCT",
            Q1,
            [
                staff(
                    "b1",
                    Q1,
                    wte=1.0,
                    band="6",
                    contracted_days=60,
                    sickness_days=3.0,
                    direct_work_hours=300.0,
                ),
                staff(
                    "b2",
                    Q1,
                    wte=0.5,
                    contract_type="agency",
                    aye=True,
                    band="5",
                    age_band="under_30",
                    contracted_days=30,
                    sickness_days=1.5,
                    recruitment_days=10,
                ),
                staff(
                    "b3",
                    Q1,
                    wte=0.8,
                    contract_type="temporary",
                    band="6",
                    age_band="50_59",
                    contracted_days=50,
                    sickness_days=0.0,
                    direct_work_hours=150.0,
                    recruitment_days=20,
                ),
                staff(
                    "b4",
                    Q1,
                    wte=1.0,
                    aye=True,
                    band="5",
                    age_band="60_plus",
                    contracted_days=60,
                    sickness_days=6.0,
                    direct_work_hours=90.0,
                    recruitment_days=50,
                ),
                staff(
                    "b5",
                    Q1,
                    wte=0.1,
                    contract_type="agency",
                    band="7",
                    age_band="40_49",
                    contracted_days=5,
                    sickness_days=0.5,
                    recruitment_days=40,
                ),
            ],
        )
        .add("workforce", "NHSCT", Q1, [staff("n1", Q1, band="8A", recruitment_days=100)])
    )
    m = wh.compute()

    def figures(code, org="BHSCT"):
        row = m[code, org, Q1]
        return row["numerator"], row["denominator"], row["value"]

    # WTE 1.0 + 0.5 + 0.8 + 1.0 + 0.1 = 3.4 (a sum: denominator empty)
    assert figures("O2_WTE") == (3.4, None, 3.4)
    assert figures("O2_HEADCOUNT") == (5, None, 5)
    # agency wte 0.5 + 0.1 = 0.6 / 3.4 = 17.647.. -> 17.6
    assert figures("O2_AGENCY_WTE_PCT") == (0.6, 3.4, 17.6)
    # sickness 3 + 1.5 + 0 + 6 + 0.5 = 11 / contracted 205 = 5.365.. -> 5.4
    assert figures("O2_SICKNESS_PCT") == (11, 205, 5.4)
    # AYE (b2, b4): 7.5 / 90 = 8.333.. -> 8.3
    assert figures("O2_SICKNESS_PCT_AYE") == (7.5, 90, 8.3)
    # band 6 (b1, b3): 3 / 110 = 2.727.. -> 2.7
    assert figures("O2_SICKNESS_PCT_BAND6") == (3, 110, 2.7)
    assert figures("O2_AYE_HEADCOUNT") == (2, None, 2)
    # 50+ (b3 50_59, b4 60_plus): 2 / 5 = 40.0
    assert figures("O2_AGED_50_PLUS_PCT") == (2, 5, 40.0)
    # recruitment_days given: 10, 20, 50, 40 -> sorted 10 20 40 50, median (20 + 40) / 2 = 30.0
    assert figures("O2_RECRUIT_DAYS_MEDIAN") == (None, 4, 30.0)
    # direct work (b1, b3, b4): 540 h / ((60 + 50 + 60) x 7.5 = 1275 h) = 42.35.. -> 42.4
    assert figures("O2_DIRECT_WORK_PCT") == (540, 1275, 42.4)
    # REGION pools both snapshots: recruitment 10 20 40 50 100 -> odd count, median 40.0
    assert figures("O2_RECRUIT_DAYS_MEDIAN", "REGION") == (None, 5, 40.0)
    assert figures("O2_HEADCOUNT", "REGION") == (6, None, 6)
    assert figures("O2_WTE", "REGION") == (4.4, None, 4.4)
    # NHSCT: no direct_work_hours given -> nothing to divide by
    assert figures("O2_DIRECT_WORK_PCT", "NHSCT") == (0, 0, None)
    assert figures("O2_SICKNESS_PCT_AYE", "NHSCT") == (0, 0, None)


# --- outcome 3 ----------------------------------------------------------------------------------


def test_dsf_on_time_open_events_and_per_function():
    wh = (
        Warehouse()
        .add(
            "dsf",
            "BHSCT",
            Q1,
            [
                dsf("e1", "CP_ICPC", "2025-05-10", "2025-05-10"),  # on the due date: on time
                dsf("e2", "CP_ICPC", "2025-05-10", "2025-05-11"),  # a day late
                dsf("e3", "CP_ICPC", "2025-06-30"),  # open: not on time
                dsf("e4", "LAC_REVIEW", "2025-04-15", "2025-04-01"),  # early: on time
            ],
        )
        .add(
            "dsf",
            "NHSCT",
            Q1,
            [dsf("c0", "CARER_ASSESSMENT", "2025-05-01", "2025-04-30")]
            + [dsf(f"c{i}", "CARER_ASSESSMENT", "2025-05-01") for i in range(1, 16)],
        )
    )
    m = wh.compute()

    def figures(code, org="BHSCT"):
        row = m[code, org, Q1]
        return row["numerator"], row["denominator"], row["value"]

    # BHSCT: 4 due, 2 on time (e1, e4) -> 50.0
    assert figures("O3_DSF_DUE") == (4, None, 4)
    assert figures("O3_DSF_ON_TIME_PCT") == (2, 4, 50.0)
    # CP_ICPC: 3 due, 1 on time -> 33.3; LAC_REVIEW 1/1 -> 100.0
    assert figures("O3_DSF_DUE_CP_ICPC") == (3, None, 3)
    assert figures("O3_DSF_ON_TIME_PCT_CP_ICPC") == (1, 3, 33.3)
    assert figures("O3_DSF_ON_TIME_PCT_LAC_REVIEW") == (1, 1, 100.0)
    # A function with no events: count 0, share empty
    assert figures("O3_DSF_DUE_MH_ASW_ASSESSMENT") == (0, None, 0)
    assert figures("O3_DSF_ON_TIME_PCT_MH_ASW_ASSESSMENT") == (0, 0, None)
    # NHSCT: 16 carer's assessments, 1 on time: 6.25 % -> 6.3 (half up; round() gives 6.2)
    assert figures("O3_DSF_ON_TIME_PCT_CARER_ASSESSMENT", "NHSCT") == (1, 16, 6.3)
    # REGION: 20 due, 3 on time -> 15.0; CARER 1/16 -> 6.3; CP_ICPC 1/3 -> 33.3
    assert figures("O3_DSF_ON_TIME_PCT", "REGION") == (3, 20, 15.0)
    assert figures("O3_DSF_ON_TIME_PCT_CARER_ASSESSMENT", "REGION") == (1, 16, 6.3)
    assert figures("O3_DSF_ON_TIME_PCT_CP_ICPC", "REGION") == (1, 3, 33.3)


# --- outcome 4 ----------------------------------------------------------------------------------


def test_retention_needs_the_previous_snapshot_and_region_sums_trusts():
    wh = (
        Warehouse()
        .add("workforce", "BHSCT", Q1, [staff(k, Q1) for k in ("b1", "b2", "b3", "b4")])
        .add("workforce", "BHSCT", Q2, [staff(k, Q2) for k in ("b1", "b2", "b5")])
        .add("workforce", "BHSCT", Q3, [staff("b1", Q3)])
        .add("workforce", "NHSCT", Q1, [staff(k, Q1) for k in ("n1", "n2")])
        .add("workforce", "NHSCT", Q2, [staff(k, Q2) for k in ("n1", "n2")])
        .add("workforce", "SEHSCT", Q2, [staff("s1", Q2)])
        .add("workforce", "SEHSCT", Q3, [staff("s1", Q3)])
        .add("workforce", "WHSCT", Q1, [])  # a nil snapshot
        .add("workforce", "WHSCT", Q2, [staff("w1", Q2)])
    )
    m = wh.compute()
    # Q1: nobody loaded 2024-25-Q4 -> no retention row at all, REGION included
    assert not [k for k in m if k[0] == "O4_RETENTION_PCT" and k[2] == Q1]
    # Q2: BHSCT b1, b2 of 4 -> 50.0; NHSCT 2/2 -> 100.0; SEHSCT had no Q1 snapshot -> no row;
    # WHSCT's Q1 snapshot was nil -> 0/0, empty value
    assert m["O4_RETENTION_PCT", "BHSCT", Q2]["value"] == 50.0
    assert m["O4_RETENTION_PCT", "NHSCT", Q2]["value"] == 100.0
    assert ("O4_RETENTION_PCT", "SEHSCT", Q2) not in m
    whsct = m["O4_RETENTION_PCT", "WHSCT", Q2]
    assert (whsct["numerator"], whsct["denominator"], whsct["value"]) == (0, 0, None)
    # REGION Q2 = (2 + 2 + 0) / (4 + 2 + 0) = 66.7 (the mean of Trust values would be 75.0)
    region = m["O4_RETENTION_PCT", "REGION", Q2]
    assert (region["numerator"], region["denominator"], region["value"]) == (4, 6, 66.7)
    # Q3: BHSCT b1 of (b1, b2, b5) -> 33.3; SEHSCT 1/1 -> 100.0; NHSCT loaded no Q3 -> no row
    # REGION (1 + 1) / (3 + 1) = 50.0
    assert m["O4_RETENTION_PCT", "BHSCT", Q3]["value"] == 33.3
    assert m["O4_RETENTION_PCT", "SEHSCT", Q3]["value"] == 100.0
    assert ("O4_RETENTION_PCT", "NHSCT", Q3) not in m
    assert m["O4_RETENTION_PCT", "REGION", Q3]["value"] == 50.0


def test_indicators_trust_rows_and_region_with_its_own_rows():
    wh = (
        Warehouse()
        .add(
            "indicators",
            "BHSCT",
            Q1,
            [indicator("QI_LEADS", 3.0), indicator("PUBLIC_RATING_FAIR_OR_BETTER", 40.0, 50.0)],
        )
        .add(
            "indicators",
            "NHSCT",
            Q1,
            [indicator("QI_LEADS", 2.0), indicator("PUBLIC_RATING_FAIR_OR_BETTER", 30.0, 50.0)],
        )
        .add(
            "indicators",
            "REGION",
            Q1,
            [
                indicator("IHI_ADVISERS", 1.0),
                indicator("PUBLIC_RATING_FAIR_OR_BETTER", 700.0, 1000.0),
            ],
        )
        .add("indicators", "REGION", Q2, [indicator("QI_LEADS", 4.0)])
    )
    m = wh.compute()
    # BHSCT: QI_LEADS 3; rating 40/50 = 80.0; no QI_MENTORS row -> 0
    assert m["O4_QI_LEADS", "BHSCT", Q1]["value"] == 3
    assert m["O4_PUBLIC_RATING_PCT", "BHSCT", Q1]["value"] == 80.0
    assert m["O4_QI_MENTORS", "BHSCT", Q1]["value"] == 0
    assert m["O4_PUBLIC_RATING_PCT", "NHSCT", Q1]["value"] == 60.0
    # REGION = both Trusts plus REGION's own rows: QI_LEADS 3 + 2 = 5, IHI_ADVISERS 1,
    # rating (40 + 30 + 700) / (50 + 50 + 1000) = 770 / 1100 = 70.0
    assert m["O4_QI_LEADS", "REGION", Q1]["value"] == 5
    assert m["O4_IHI_ADVISERS", "REGION", Q1]["value"] == 1
    rating = m["O4_PUBLIC_RATING_PCT", "REGION", Q1]
    assert (rating["numerator"], rating["denominator"], rating["value"]) == (770, 1100, 70.0)
    # Q2: only REGION submitted -> a REGION row, no Trust rows; no rating row of the code -> empty
    assert m["O4_QI_LEADS", "REGION", Q2]["value"] == 4
    assert m["O4_PUBLIC_RATING_PCT", "REGION", Q2]["value"] is None
    assert ("O4_QI_LEADS", "BHSCT", Q2) not in m


# --- which rows exist ---------------------------------------------------------------------------


def test_nil_return_gives_count_zero_and_empty_share():
    wh = (
        Warehouse()
        .add("dsf", "NHSCT", Q1, [])
        .add("ascot", "NHSCT", Q1, [])
        .add("dsf", "BHSCT", Q2, [dsf("e1", "CP_ICPC", "2025-08-01")])
    )
    m = wh.compute()
    for org in ("NHSCT", "REGION"):
        due = m["O3_DSF_DUE", org, Q1]
        assert (due["numerator"], due["denominator"], due["value"]) == (0, None, 0)
        on_time = m["O3_DSF_ON_TIME_PCT", org, Q1]
        assert (on_time["numerator"], on_time["denominator"], on_time["value"]) == (0, 0, None)
        assert on_time["suppressed"] is False
        assert m["O1_ASCOT_PEOPLE", org, Q1]["value"] == 0
        assert m["O1_ASCOT_SCRQOL_MEAN", org, Q1]["value"] is None
    # An org that loaded no return for a period has no row for it
    assert ("O3_DSF_DUE", "BHSCT", Q1) not in m
    assert ("O3_DSF_DUE", "NHSCT", Q2) not in m
    assert ("O1_STAR_PEOPLE", "REGION", Q1) not in m  # nobody loaded star


def test_only_the_current_version_counts():
    wh = (
        Warehouse()
        .add(
            "dsf",
            "BHSCT",
            Q1,
            [dsf(f"e{i}", "CP_ICPC", "2025-05-01") for i in range(3)],
            version=1,
            current=False,
        )
        .add("dsf", "BHSCT", Q1, [dsf("e9", "LAC_REVIEW", "2025-05-01")], version=2)
        .add("ascot", "NHSCT", Q1, [ascot("a1", "P1", "2025-05-01", 2)], current=False)
    )
    m = wh.compute()
    assert m["O3_DSF_DUE", "BHSCT", Q1]["value"] == 1
    assert m["O3_DSF_DUE_CP_ICPC", "BHSCT", Q1]["value"] == 0
    # a return with no current version is not loaded: no row
    assert ("O1_ASCOT_PEOPLE", "NHSCT", Q1) not in m


# --- baseline -----------------------------------------------------------------------------------


def _baseline_warehouse() -> Warehouse:
    # Q1: CP_ICPC x1 open; LAC x3, 1 on time           -> due 4, on time 1 (25.0)
    # Q2: CARER x2, 1 on time; LAC x3, 2 on time       -> due 5, on time 3 (60.0)
    # Q3: CARER x4, 3 on time                          -> due 4, on time 3 (75.0)
    def events(prefix, function, due, n, on_time):
        return [dsf(f"{prefix}{i}", function, due, due if i < on_time else None) for i in range(n)]

    return (
        Warehouse()
        .add(
            "dsf",
            "BHSCT",
            Q1,
            events("i", "CP_ICPC", "2025-05-01", 1, 0)
            + events("l", "LAC_REVIEW", "2025-05-01", 3, 1),
        )
        .add(
            "dsf",
            "BHSCT",
            Q2,
            events("c", "CARER_ASSESSMENT", "2025-08-01", 2, 1)
            + events("m", "LAC_REVIEW", "2025-08-01", 3, 2),
        )
        .add("dsf", "BHSCT", Q3, events("c", "CARER_ASSESSMENT", "2025-11-01", 4, 3))
    )


def _series(m, code, org="BHSCT"):
    """(value, baseline_value, change_from_baseline, baseline_period) for Q1, Q2, Q3."""
    fields = ("value", "baseline_value", "change_from_baseline", "baseline_period")
    return [tuple(m[code, org, p][f] for f in fields) for p in (Q1, Q2, Q3)]


def test_baseline_is_the_first_period_with_a_value():
    m = _baseline_warehouse().compute()
    # (value, baseline_value, change, baseline_period) for Q1, Q2, Q3
    assert _series(m, "O3_DSF_DUE") == [(4, 4, 0, Q1), (5, 4, 1, Q1), (4, 4, 0, Q1)]
    assert _series(m, "O3_DSF_ON_TIME_PCT") == [
        (25.0, 25.0, 0.0, Q1),
        (60.0, 25.0, 35.0, Q1),
        (75.0, 25.0, 50.0, Q1),
    ]
    # CARER: no value in Q1 -> baseline Q2, shown on every row; Q1 has no baseline value/change
    assert _series(m, "O3_DSF_ON_TIME_PCT_CARER_ASSESSMENT") == [
        (None, None, None, Q2),
        (50.0, 50.0, 0.0, Q2),
        (75.0, 50.0, 25.0, Q2),
    ]
    # LAC: 1/3 = 33.3, 2/3 = 66.7; the change is taken from the rounded values: 33.4
    # (exact 33.33.. would round to 33.3); Q3 has no LAC event: value empty, baseline shown
    assert _series(m, "O3_DSF_ON_TIME_PCT_LAC_REVIEW") == [
        (33.3, 33.3, 0.0, Q1),
        (66.7, 33.3, 33.4, Q1),
        (None, 33.3, None, Q1),
    ]
    # never a value -> no baseline
    assert _series(m, "O3_DSF_ON_TIME_PCT_ASG_INVESTIGATION") == [(None, None, None, None)] * 3


def test_configured_baseline_period():
    m = _baseline_warehouse().compute(baseline_period=Q2)
    assert _series(m, "O3_DSF_DUE") == [(4, None, None, Q2), (5, 5, 0, Q2), (4, 5, -1, Q2)]
    assert _series(m, "O3_DSF_ON_TIME_PCT_CARER_ASSESSMENT") == [
        (None, None, None, Q2),
        (50.0, 50.0, 0.0, Q2),
        (75.0, 50.0, 25.0, Q2),
    ]
    # CP_ICPC has a value in Q1 only (0.0): none at the configured baseline -> no baseline value
    assert _series(m, "O3_DSF_ON_TIME_PCT_CP_ICPC") == [
        (0.0, None, None, Q2),
        (None, None, None, Q2),
        (None, None, None, Q2),
    ]
    # a configured period before the data: every row is on or after it, but nothing to compare
    m = _baseline_warehouse().compute(baseline_period="2024-25-Q4")
    assert _series(m, "O3_DSF_DUE") == [(v, None, None, "2024-25-Q4") for v in (4, 5, 4)]
