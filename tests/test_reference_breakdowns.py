"""Hand-worked cases for the reference breakdowns (``tests/reference_breakdowns.py``).

Each test builds a tiny warehouse in memory (``Warehouse`` of test_reference_measures) and
checks figures worked out by hand in the comments. Q1 = 2025-26-Q1, Q2 = 2025-26-Q2.
"""

from __future__ import annotations

import pytest

from tests import reference_breakdowns
from tests.reference_breakdowns import (
    BREAKDOWN_COLUMNS,
    RATES,
    age_band,
    categories,
    compute_breakdowns,
    population,
)
from tests.test_reference_measures import Warehouse, ascot, dsf, raw, star

Q1, Q2, Q4 = "2025-26-Q1", "2025-26-Q2", "2025-26-Q4"
BELFAST, ANTRIM, LISBURN, ARDS = "N09000003", "N09000001", "N09000007", "N09000011"


def person(lgd=BELFAST, sex="F", birth_year=1950, poc="POC4") -> dict:
    return {"lgd_code": lgd, "sex": sex, "birth_year": birth_year, "programme_of_care": poc}


def on(rows: list[dict], **fields) -> list[dict]:
    """The rows of one record with the person fields ``person(**fields)``."""
    return [{**row, **person(**fields)} for row in rows]


def cells(wh: Warehouse) -> dict:
    rows = compute_breakdowns(wh.con)
    return {(r["measure_code"], r["dimension"], r["category"], r["period"]): r for r in rows}


def figures(row: dict) -> tuple:
    return row["numerator"], row["denominator"], row["value"]


def test_the_breakdowns_transcribe_measures_md():
    assert categories()["lgd"] == [f"N0900000{n}" for n in range(1, 10)] + [
        "N09000010",
        "N09000011",
    ]
    assert sorted(RATES) == [
        "O1_ASCOT_PEOPLE_PER_10K",
        "O1_STAR_PEOPLE_PER_10K",
        "O3_DSF_DUE_PER_10K",
    ]
    edges = {17: "0-17", 18: "18-64", 64: "18-64", 65: "65-74", 74: "65-74", 75: "75-84"}
    edges |= {84: "75-84", 85: "85+", 0: "0-17", 110: "85+"}
    assert {age: age_band(age) for age in edges} == edges


def test_a_person_in_two_lgds_is_placed_once_by_the_deciding_assessment():
    wh = (
        Warehouse()
        .add(
            "ascot",
            "BHSCT",
            Q1,
            [
                *on([ascot("a1", "P1", "2025-04-10", 2, satisfaction=1)], lgd=BELFAST),
                *on([ascot("a2", "P2", "2025-05-01", 3)], lgd=BELFAST),
            ],
        )
        .add(
            "ascot",
            "NHSCT",
            Q1,
            on([ascot("b1", "P1", "2025-06-01", 1, satisfaction=5)], lgd=ANTRIM),
        )
    )
    m = cells(wh)
    # P1's latest fully scored assessment is NHSCT's b1 (06-01, SCRQoL 8): Antrim, once; P2
    # (24) in Belfast. Every other LGD has a row with 0.
    people = {lgd: m["O1_ASCOT_PEOPLE", "lgd", lgd, Q1]["value"] for lgd in categories()["lgd"]}
    assert people == {lgd: {ANTRIM: 1, BELFAST: 1}.get(lgd, 0) for lgd in categories()["lgd"]}
    assert sum(people.values()) == 2  # REGION counts 2 people
    assert figures(m["O1_ASCOT_SCRQOL_MEAN", "lgd", ANTRIM, Q1]) == (8, 1, 8.0)
    assert figures(m["O1_ASCOT_SCRQOL_MEAN", "lgd", BELFAST, Q1]) == (24, 1, 24.0)
    assert figures(m["O1_ASCOT_SCRQOL_MEAN", "lgd", LISBURN, Q1]) == (0, 0, None)
    # satisfaction: P1's latest answer is b1 (5, not satisfied), in Antrim; P2 gave none
    assert figures(m["O4_SATISFIED_PCT", "lgd", ANTRIM, Q1]) == (0, 1, 0.0)
    assert figures(m["O4_SATISFIED_PCT", "lgd", BELFAST, Q1]) == (0, 0, None)
    # the other dimensions: 2 people, F, POC4, age 2025 - 1950 = 75
    assert m["O1_ASCOT_PEOPLE", "sex", "F", Q1]["value"] == 2
    assert m["O1_ASCOT_PEOPLE", "programme_of_care", "POC4", Q1]["value"] == 2
    assert m["O1_ASCOT_PEOPLE", "age_band", "75-84", Q1]["value"] == 2
    row = m["O1_ASCOT_PEOPLE", "lgd", ANTRIM, Q1]
    assert list(row) == BREAKDOWN_COLUMNS
    assert (row["outcome"], row["oba_type"], row["org"], row["suppressed"]) == (
        1,
        "how_much",
        "REGION",
        False,
    )


def test_a_star_pair_is_placed_by_its_latest_reading():
    first = on(star("r1", "P1", "older_people", "2025-04-10", 1, 3), lgd=BELFAST)
    # the latest reading's first row (source_row order) says Lisburn; a later row, as if
    # mistyped, Ards: the first row decides
    latest = on(star("r2", "P1", "older_people", "2025-08-01", 2, 5), lgd=LISBURN)
    latest = [latest[0]] + [{**row, "lgd_code": ARDS} for row in latest[1:]]
    wh = Warehouse().add("star", "BHSCT", Q1, first).add("star", "NHSCT", Q2, latest)
    m = cells(wh)
    # Q1: P1 in Belfast (r1). Q2: the pair r1 (3) -> r2 (5), improved by +2, in Lisburn
    assert m["O1_STAR_PEOPLE", "lgd", BELFAST, Q1]["value"] == 1
    assert m["O1_STAR_PEOPLE", "lgd", LISBURN, Q2]["value"] == 1
    assert m["O1_STAR_PEOPLE", "lgd", BELFAST, Q2]["value"] == 0
    assert m["O1_STAR_PEOPLE", "lgd", ARDS, Q2]["value"] == 0
    assert figures(m["O1_STAR_IMPROVED_PCT", "lgd", LISBURN, Q2]) == (1, 1, 100.0)
    assert figures(m["O1_STAR_IMPROVED_PCT", "lgd", BELFAST, Q2]) == (0, 0, None)
    assert figures(m["O1_STAR_DISTANCE_MEAN", "lgd", LISBURN, Q2]) == (2, 1, 2.0)
    # Q1 has no progress pair (r1 is the first reading itself)
    assert figures(m["O1_STAR_IMPROVED_PCT", "lgd", BELFAST, Q1]) == (0, 0, None)


def test_ages_at_the_band_edges_by_the_year_of_the_due_date():
    ages = [0, 17, 17, 18, 64, 65, 66, 74, 75, 84, 85]
    events = [
        {**dsf(f"e{i}", "CP_ICPC", "2025-05-01"), **person(birth_year=2025 - age)}
        for i, age in enumerate(ages)
    ]
    # born 2008: 17 on a 2025 date, 18 on 2026-01-05 whatever the birthday
    january = {**dsf("j1", "LAC_REVIEW", "2026-01-05"), **person(birth_year=2008)}
    wh = Warehouse().add("dsf", "BHSCT", Q1, events).add("dsf", "BHSCT", Q4, [january])
    m = cells(wh)
    bands = categories()["age_band"]
    due = {band: m["O3_DSF_DUE", "age_band", band, Q1]["value"] for band in bands}
    assert due == {"0-17": 3, "18-64": 2, "65-74": 3, "75-84": 2, "85+": 1}
    assert m["O3_DSF_DUE", "age_band", "18-64", Q4]["value"] == 1
    assert m["O3_DSF_DUE", "age_band", "0-17", Q4]["value"] == 0
    # every event open: on time 0 of n; a band with none: empty
    assert figures(m["O3_DSF_ON_TIME_PCT", "age_band", "65-74", Q1]) == (0, 3, 0.0)
    assert figures(m["O3_DSF_ON_TIME_PCT", "age_band", "85+", Q4]) == (0, 0, None)


def test_raw_is_not_broken_down_by_programme_of_care():
    yp = raw("q1", "P1", "2025-05-01", [3] * 12)  # 36 of 48: 75
    yp = [{**row, **person(lgd=ANTRIM, sex="M", birth_year=2010)} for row in yp]
    for row in yp:
        del row["programme_of_care"]  # RAW returns have no programme of care
    worker = raw("q2", "P1", "2025-05-02", [4] * 12, respondent="social_worker")
    worker = [{**row, "lgd_code": BELFAST, "sex": "F", "birth_year": 1980} for row in worker]
    m = cells(Warehouse().add("raw", "BHSCT", Q1, yp + worker))
    assert not [k for k in m if k[0] == "O1_RAW_YP_MEAN" and k[1] == "programme_of_care"]
    # the young person's questionnaire only: M, Antrim, age 15
    assert figures(m["O1_RAW_YP_MEAN", "sex", "M", Q1]) == (75, 1, 75.0)
    assert figures(m["O1_RAW_YP_MEAN", "sex", "F", Q1]) == (0, 0, None)
    assert m["O1_RAW_YP_MEAN", "lgd", ANTRIM, Q1]["denominator"] == 1
    assert m["O1_RAW_YP_MEAN", "age_band", "0-17", Q1]["denominator"] == 1


def test_rates_per_10000_use_the_population_of_the_year(monkeypatch):
    seeds = {
        "lgd_population": [
            {"lgd_code": BELFAST, "year": "2021", "population": "7000"},
            {"lgd_code": BELFAST, "year": "2025", "population": "8000"},
        ],
        "lgds": [{"lgd_code": BELFAST}, {"lgd_code": ANTRIM}],
    }
    monkeypatch.setattr(reference_breakdowns, "_seed", seeds.__getitem__)
    # 2025-26 holds 30 June 2025; 2024-25 has no 2024 figure: the latest earlier, 2021;
    # 2020-21 has none earlier
    assert population(BELFAST, "2025-26-Q3") == 8000
    assert population(BELFAST, "2024-25-Q1") == 7000
    assert population(BELFAST, "2020-21-Q4") is None
    assert population(ANTRIM, "2025-26-Q1") is None
    events = [{**dsf(f"e{i}", "CP_ICPC", "2025-05-01"), **person(lgd=BELFAST)} for i in range(2)]
    events.append({**dsf("a1", "CP_ICPC", "2025-05-01"), **person(lgd=ANTRIM)})
    m = cells(Warehouse().add("dsf", "BHSCT", Q1, events))
    # Belfast: 1 x 10,000 / 8000 = 1.25 -> 1.3 (half away from zero); numerator the count,
    # denominator the population. Antrim has no population: no rate.
    assert figures(m["O3_DSF_DUE_PER_10K", "lgd", BELFAST, Q1]) == (2, 8000, 2.5)
    assert figures(m["O3_DSF_DUE_PER_10K", "lgd", ANTRIM, Q1]) == (1, None, None)
    rate = m["O3_DSF_DUE_PER_10K", "lgd", BELFAST, Q1]
    assert (rate["outcome"], rate["oba_type"]) == (3, "population")
    assert not [k for k in m if k[0] == "O3_DSF_DUE_PER_10K" and k[1] != "lgd"]
    one = Warehouse().add("dsf", "BHSCT", Q1, events[:1])
    assert cells(one)["O3_DSF_DUE_PER_10K", "lgd", BELFAST, Q1]["value"] == 1.3


@pytest.mark.parametrize("baseline_period", [None, Q2])
def test_baseline_per_measure_dimension_and_category(baseline_period):
    wh = (
        Warehouse()
        .add("dsf", "BHSCT", Q1, [{**dsf("e1", "CP_ICPC", "2025-05-01"), **person(lgd=BELFAST)}])
        .add(
            "dsf",
            "BHSCT",
            Q2,
            [
                {**dsf("e2", "CP_ICPC", "2025-08-01", "2025-07-30"), **person(lgd=ANTRIM)},
                {**dsf("e3", "CP_ICPC", "2025-08-01"), **person(lgd=BELFAST)},
            ],
        )
    )
    rows = compute_breakdowns(wh.con, baseline_period)
    m = {(r["measure_code"], r["dimension"], r["category"], r["period"]): r for r in rows}

    def series(code, category):
        return [
            (m[code, "lgd", category, p]["value"], m[code, "lgd", category, p]["baseline_period"])
            for p in (Q1, Q2)
        ]

    if baseline_period is None:
        # Antrim's on-time share is empty in Q1: its baseline is Q2; Belfast's is Q1
        assert series("O3_DSF_ON_TIME_PCT", ANTRIM) == [(None, Q2), (100.0, Q2)]
        assert series("O3_DSF_ON_TIME_PCT", BELFAST) == [(0.0, Q1), (0.0, Q1)]
        # a count of 0 is a value
        assert series("O3_DSF_DUE", ANTRIM) == [(0, Q1), (1, Q1)]
        assert m["O3_DSF_DUE", "lgd", ANTRIM, Q2]["change_from_baseline"] == 1
    else:
        assert series("O3_DSF_DUE", ANTRIM) == [(0, Q2), (1, Q2)]
        assert m["O3_DSF_DUE", "lgd", ANTRIM, Q1]["baseline_value"] is None
