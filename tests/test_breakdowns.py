"""marts.breakdowns against the independent reference (tests/reference_breakdowns.py), on
returns generated here to make the breakdowns' rules matter: people whose records in one
period sit in two Trusts, two LGDs or two programmes of care, dates that tie, Star pairs
whose readings move LGD, ages on every band edge, and planted faulty rows (quarantined).

The returns are built from returns.md (column lists of ``returns_factory``), loaded with
``sws load`` (the real pipeline and dbt build), and every cell of the outcome marts and the
breakdowns is compared with the reference.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict

import pytest

from pipelines.cli import main
from pipelines.warehouse import connect
from tests.conftest import use_home
from tests.reference_breakdowns import BREAKDOWN_COLUMNS, compute_breakdowns
from tests.reference_measures import MART_COLUMNS, compute
from tests.returns_factory import (
    COLUMNS,
    DOMAINS,
    EXPECTED,
    RAW_ITEMS,
    STAR_AREAS,
    file_name,
    make_hcn,
    write_csv,
)

TRUSTS = ("BHSCT", "NHSCT", "SEHSCT")
PERIODS = {"2025-26-Q1": dt.date(2025, 4, 1), "2025-26-Q2": dt.date(2025, 7, 1)}
LGDS = [f"N0900000{n}" for n in range(1, 10)] + ["N09000010", "N09000011"]
POCS = ("POC3", "POC4", "POC5", "POC6", "POC7")
# ages in 2025 on both sides of every band edge, and beyond
AGES = (0, 5, 17, 18, 21, 40, 64, 65, 74, 75, 84, 85, 99)
FUNCTIONS = ("CP_ICPC", "LAC_REVIEW", "ASG_INVESTIGATION", "CARER_ASSESSMENT")


def _hcns(rng: random.Random, n: int) -> list[str]:
    hcns: list[str] = []
    while len(hcns) < n:
        first_nine = str(rng.randrange(100_000_000, 999_999_999))
        try:
            hcns.append(make_hcn(first_nine))
        except ValueError:
            continue
    return hcns


class Returns:
    """Rows of every (collection, org, period) return, built person by person."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
        self.ids: dict[tuple[str, str], int] = defaultdict(int)

    def next_id(self, prefix: str, org: str) -> str:
        # ids numbered without padding: "A9" > "A10" as text, so ties on date break on text
        self.ids[prefix, org] += 1
        return f"{prefix}{self.ids[prefix, org]}"

    def day(self, period: str) -> dt.date:
        # few distinct days: records of one person often share a date
        return PERIODS[period] + dt.timedelta(days=self.rng.choice((5, 20, 20, 45, 80)))

    def placing(self, person: dict) -> dict:
        """The person fields as one record gives them: now and then another LGD or POC."""
        rng = self.rng
        lgd = rng.choice(LGDS) if rng.random() < 0.35 else person["lgd_code"]
        poc = rng.choice(POCS) if rng.random() < 0.25 else person["programme_of_care"]
        return {**person, "lgd_code": lgd, "programme_of_care": poc}

    def ascot(self, person: dict, period: str) -> None:
        rng = self.rng
        org = rng.choice(TRUSTS)
        instrument = rng.choice(("SCT4", "INT4"))
        current = [str(rng.randrange(4)) for _ in DOMAINS]
        if rng.random() < 0.15:
            current[rng.randrange(8)] = ""
        expected = [str(rng.randrange(4)) if instrument == "INT4" else "" for _ in EXPECTED]
        satisfaction = str(rng.randint(1, 7)) if rng.random() < 0.7 else ""
        self.rows["ascot", org, period].append(
            {
                "assessment_id": self.next_id("A", org),
                **self.placing(person),
                "assessment_date": self.day(period).isoformat(),
                "instrument": instrument,
                **dict(zip(DOMAINS, current, strict=True)),
                **dict(zip(EXPECTED, expected, strict=True)),
                "satisfaction": satisfaction,
            }
        )

    def star(self, person: dict, version: str, number: int, period: str) -> None:
        rng = self.rng
        org = rng.choice(TRUSTS)
        reading = {
            "reading_id": self.next_id("R", org),
            **self.placing(person),
            "star_version": version,
            "reading_date": self.day(period).isoformat(),
            "reading_number": str(number),
        }
        for area in STAR_AREAS[version]:
            score = str(rng.randint(1, 10))
            self.rows["star", org, period].append({**reading, "area_code": area, "score": score})

    def raw(self, person: dict, period: str) -> None:
        rng = self.rng
        org = rng.choice(TRUSTS)
        questionnaire = {
            "response_id": self.next_id("Q", org),
            **self.placing(person),
            "response_date": self.day(period).isoformat(),
            "respondent": rng.choice(("young_person", "young_person", "social_worker")),
        }
        for item in RAW_ITEMS:
            score = str(rng.randint(0, 4))
            row = {**questionnaire, "item_code": item, "score": score}
            self.rows["raw", org, period].append(row)

    def dsf(self, person: dict, period: str) -> None:
        rng = self.rng
        org = rng.choice(TRUSTS)
        due = self.day(period)
        completed = due + dt.timedelta(days=rng.randint(-5, 5)) if rng.random() < 0.8 else None
        self.rows["dsf", org, period].append(
            {
                "event_id": self.next_id("E", org),
                **self.placing(person),
                "function_code": rng.choice(FUNCTIONS),
                "start_date": (due - dt.timedelta(days=20)).isoformat(),
                "due_date": due.isoformat(),
                "completed_date": completed.isoformat() if completed else "",
            }
        )

    def plant_faults(self) -> None:
        """A few rows no contract lets through (quarantined; a Star reading or RAW
        questionnaire whole): an unknown LGD, sex or programme of care."""
        for (collection, _, _), rows in sorted(self.rows.items()):
            for row, (column, value) in zip(
                self.rng.sample(rows, min(2, len(rows))),
                (("lgd_code", "N09000099"), ("sex", "Q"), ("programme_of_care", "POC9")),
                strict=False,
            ):
                if column in COLUMNS[collection]:
                    row[column] = value


def generate(seed: int = 7) -> Returns:
    returns = Returns(seed)
    rng = returns.rng
    hcns = _hcns(rng, 160)
    for n, hcn in enumerate(hcns):
        age = AGES[n % len(AGES)]
        person = {
            "hcn": hcn,
            "worker_id": f"W{rng.randrange(100, 999)}",
            "birth_year": str(2025 - age),
            "sex": rng.choice(("F", "F", "M", "M", "X", "U")),
            "lgd_code": rng.choice(LGDS),
            "programme_of_care": rng.choice(POCS),
        }
        versions = {}
        for period in PERIODS:
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                returns.ascot(person, period)
            for _ in range(rng.choice((0, 1, 2))):
                returns.dsf(person, period)
            if age <= 21:  # RAW is about young people
                for _ in range(rng.choice((0, 1, 2))):
                    returns.raw(person, period)
            for _ in range(rng.choice((0, 1, 2))):
                version = rng.choice(tuple(STAR_AREAS))
                # a pair starts at reading 1, or (no first reading loaded) at 2
                start = versions.setdefault(version, rng.choice((1, 1, 1, 2)))
                versions[version] += 1
                returns.star(person, version, start, period)
    returns.plant_faults()
    return returns


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    home = tmp_path_factory.mktemp("breakdowns") / "sws"
    returns = generate()
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = use_home(monkeypatch, home)
        for (collection, org, period), rows in returns.rows.items():
            folder = settings.landing / collection
            folder.mkdir(parents=True, exist_ok=True)
            write_csv(folder / file_name(collection, org, period), rows, COLUMNS[collection])
        # a nil return, the only one of its period: REGION's rows all 0 or empty
        folder = settings.landing / "raw"
        write_csv(folder / file_name("raw", "WHSCT", "2025-26-Q3"), [], COLUMNS["raw"])
        status = main(["load"])
        yield settings, status


def _rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _same(actual, expected) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    return actual == expected


def _differences(actual: list[dict], expected: list[dict], key, columns) -> list:
    by_key = {tuple(r[k] for k in key): r for r in actual}
    wanted = {tuple(r[k] for k in key): r for r in expected}
    assert set(by_key) == set(wanted), {
        "only in marts": sorted(set(by_key) - set(wanted))[:5],
        "only in reference": sorted(set(wanted) - set(by_key))[:5],
    }
    return [
        (k, c, by_key[k][c], wanted[k][c])
        for k in sorted(wanted)
        for c in columns
        if not _same(by_key[k][c], wanted[k][c])
    ]


def test_the_planted_returns_make_the_rules_matter(planted):
    settings, status = planted
    assert status == 1  # the planted faults were quarantined
    with connect(settings.warehouse, read_only=True) as con:
        [(two_lgds,)] = con.execute(
            "select count(*) from (select period, person_key from returns.ascot "
            "group by all having count(distinct lgd_code) > 1 and count(distinct org) > 1)"
        ).fetchall()
        [(quarantined,)] = con.execute(
            "select sum(quarantined) from ingest.file_versions where is_current"
        ).fetchall()
    assert two_lgds > 10 and quarantined > 0


def test_every_breakdown_cell_matches_the_reference(planted):
    settings, _ = planted
    with connect(settings.warehouse, read_only=True) as con:
        actual = _rows(con, "from marts.breakdowns")
        expected = compute_breakdowns(con)
    key = ("measure_code", "dimension", "category", "period")
    wrong = _differences(actual, expected, key, BREAKDOWN_COLUMNS)
    assert not wrong, f"{len(wrong)} differences, e.g. {wrong[:5]}"
    assert len(actual) > 500


def test_every_outcome_mart_cell_matches_the_reference(planted):
    settings, _ = planted
    with connect(settings.warehouse, read_only=True) as con:
        actual = [r for n in range(1, 5) for r in _rows(con, f"from marts.outcome{n}")]
        expected = compute(con)
    wrong = _differences(actual, expected, ("measure_code", "org", "period"), MART_COLUMNS)
    assert not wrong, f"{len(wrong)} differences, e.g. {wrong[:5]}"
