"""The deterministic sample-returns generator (pipelines/sample/)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from contracts import reference
from contracts.hcn import is_valid
from contracts.periods import Period
from pipelines.sample import generate
from pipelines.sample.hcn_pool import HcnPool

SMALL = {"scale": 0.05, "periods": 3, "end_period": "2025-26-Q2"}
PERIODS = ["2024-25-Q4", "2025-26-Q1", "2025-26-Q2"]
NAME = re.compile(
    r"^(?P<collection>[a-z]+)_(?P<org>[A-Z]+)_(?P<period>\d{4}-\d{2}-Q[1-4])\.(?P<ext>\w+)$"
)


def read(path: Path) -> pl.DataFrame:
    """A return as text columns, whatever its format."""
    if path.suffix == ".csv":
        return pl.read_csv(path, infer_schema=False)
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_excel(path, infer_schema_length=0)


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def load(root: Path, collection: str) -> pl.DataFrame:
    """Every file of a collection, with the org and period of its file name."""
    frames = []
    for path in sorted((root / collection).iterdir()):
        match = NAME.match(path.name)
        frames.append(
            read(path).with_columns(org=pl.lit(match["org"]), period=pl.lit(match["period"]))
        )
    return pl.concat(frames)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("clean")
    return root, generate(root, **SMALL)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("faulty")
    return root, generate(root, **SMALL, bad_rows=0.03, formats=("csv", "xlsx", "parquet"))


def test_same_arguments_give_byte_identical_files(faulty, tmp_path):
    root, _ = faulty
    again = generate(tmp_path, **SMALL, bad_rows=0.03, formats=("csv", "xlsx", "parquet"))
    ours = [p.relative_to(root) for p in files(root)]
    assert ours == [p.relative_to(tmp_path) for p in files(tmp_path)]
    for relative in ours:
        assert (root / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative
    assert again.faults


def test_another_seed_gives_other_data(clean, tmp_path):
    root, _ = clean
    generate(tmp_path, **SMALL, seed=8)
    name = "dsf/dsf_BHSCT_2025-26-Q1.csv"
    assert (root / name).read_bytes() != (tmp_path / name).read_bytes()


def test_every_file_follows_the_landing_layout(clean):
    root, report = clean
    collections = set(reference.collections())
    trusts = set(reference.orgs(trusts_only=True))
    written = files(root)
    assert len(written) == len(report.files) == (5 * len(trusts) + len(reference.orgs())) * 3
    for path in written:
        match = NAME.match(path.name)
        assert match, path
        assert path.parent.name == match["collection"] in collections
        assert str(Period.parse(match["period"])) in PERIODS
        orgs = reference.orgs() if match["collection"] == "indicators" else trusts
        assert match["org"] in orgs
        assert match["ext"] == "csv"
        frame = read(path)
        assert frame.columns == reference.catalog(match["collection"])["item"].to_list()
        assert report.rows[path.relative_to(root).as_posix()] == len(frame)
    assert not (root / "planted_faults.csv").exists()
    assert report.faults == ()


def test_formats_rotate_across_files(faulty):
    root, report = faulty
    assert {f.format for f in report.files} == {"csv", "xlsx", "parquet"}
    for f in report.files:
        assert (root / f.path).suffix == "." + f.format


def test_every_hcn_is_valid_and_people_are_consistent(clean):
    root, _ = clean
    people = pl.concat(
        load(root, c).select("hcn", "birth_year", "sex", "org")
        for c in ("star", "ascot", "dsf", "raw")
    )
    assert people["hcn"].null_count() == 0
    assert all(is_valid(h) for h in people["hcn"].unique().to_list())
    per_person = people.group_by("hcn").agg(
        pl.col("birth_year", "sex").n_unique(), pl.col("org").n_unique()
    )
    assert per_person["birth_year"].max() == 1
    assert per_person["sex"].max() == 1
    assert per_person.filter(pl.col("org") > 1).height >= 1  # some people moved Trust


def test_hcn_pool_hands_out_the_same_numbers_whatever_the_batches():
    whole = HcnPool(7).take(3_000).to_list()
    pool = HcnPool(7)
    pieces = [pool.take(n).to_list() for n in (0, 1, 999, 2_000)]
    assert [h for piece in pieces for h in piece] == whole
    assert len(set(whole)) == len(whole)
    assert all(is_valid(h) for h in whole)
    assert HcnPool(8).take(10).to_list() != whole[:10]


def test_people_and_staff_persist_across_periods(clean):
    root, _ = clean
    for collection, who in (("dsf", "hcn"), ("star", "hcn"), ("ascot", "hcn"), ("raw", "hcn")):
        frame = load(root, collection)
        earlier = set(frame.filter(pl.col("period") != PERIODS[-1])[who])
        last = set(frame.filter(pl.col("period") == PERIODS[-1])[who])
        assert len(earlier & last) >= 0.1 * len(last), collection
    staff = load(root, "workforce")
    first = set(staff.filter(pl.col("period") == PERIODS[0])["worker_id"])
    second = set(staff.filter(pl.col("period") == PERIODS[1])["worker_id"])
    assert 0.9 * len(first) <= len(first & second) < len(first)


def test_star_readings_are_complete_and_numbered(clean):
    root, _ = clean
    star = load(root, "star")
    areas = reference.star_areas()
    readings = star.group_by("org", "reading_id").agg(
        pl.col("star_version").unique(), pl.col("area_code"), pl.col("hcn").n_unique()
    )
    for version, found, hcns in readings.select("star_version", "area_code", "hcn").iter_rows():
        assert len(version) == 1 and hcns == 1
        assert sorted(found) == sorted(areas[version[0]])
    assert star["score"].cast(pl.Int64).is_between(1, 10).all()
    numbers = star.unique(["org", "reading_id"]).with_columns(
        pl.col("reading_number").cast(pl.Int64)
    )
    assert numbers["reading_number"].min() == 1
    # reading numbers rise with the date for a person and version
    ordered = (
        numbers.sort("reading_date", "reading_id")
        .group_by("hcn", "star_version")
        .agg("reading_number")
    )
    assert all(r == sorted(r) for r in ordered["reading_number"].to_list())


def test_raw_questionnaires_have_twelve_items(clean):
    root, _ = clean
    raw = load(root, "raw")
    items = sorted(reference.column("raw_items", "item_code"))
    per_response = raw.group_by("org", "response_id").agg(
        pl.col("item_code").sort(), pl.col("respondent").n_unique()
    )
    assert per_response["item_code"].to_list() == [items] * len(per_response)
    assert per_response["respondent"].max() == 1
    ages = raw["response_date"].str.slice(0, 4).cast(pl.Int64) - raw["birth_year"].cast(pl.Int64)
    assert ages.max() <= 21
    assert raw["score"].cast(pl.Int64).is_between(0, 4).all()
    counts = raw.unique(["org", "response_id"])["respondent"].value_counts()
    assert counts["count"].n_unique() == 1  # every young person's questionnaire has its pair


def test_workforce_snapshot_is_the_period_last_day(clean):
    root, _ = clean
    staff = load(root, "workforce")
    for period, dates in staff.group_by("period").agg(pl.col("snapshot_date").unique()).iter_rows():
        assert dates == [Period.parse(period).last_day.isoformat()]
    assert (
        staff.group_by("org", "period")
        .agg(pl.col("worker_id").is_duplicated().any())["worker_id"]
        .sum()
        == 0
    )
    typed = staff.select(
        pl.col("wte", "sickness_days").cast(pl.Float64), pl.col("contracted_days").cast(pl.Int64)
    )
    assert typed["wte"].is_between(0, 1, closed="right").all()
    assert (typed["sickness_days"] <= typed["contracted_days"]).all()


def test_records_are_dated_inside_their_period(clean):
    root, _ = clean
    for collection, column in (
        ("star", "reading_date"),
        ("ascot", "assessment_date"),
        ("dsf", "due_date"),
        ("raw", "response_date"),
    ):
        frame = load(root, collection)
        for period, first, last in (
            frame.group_by("period")
            .agg(pl.col(column).min().alias("a"), pl.col(column).max().alias("b"))
            .iter_rows()
        ):
            p = Period.parse(period)
            assert p.first_day.isoformat() <= first <= last <= p.last_day.isoformat(), collection
    dsf = load(root, "dsf")
    assert (dsf["start_date"] <= dsf["due_date"]).all()
    completed = dsf.filter(pl.col("completed_date").is_not_null())
    assert (completed["completed_date"] >= completed["start_date"]).all()


def test_ids_are_unique_within_a_file(clean):
    root, _ = clean
    keys = {
        "star": ["reading_id", "area_code"],
        "raw": ["response_id", "item_code"],
        "ascot": ["assessment_id"],
        "dsf": ["event_id"],
    }
    for collection, key in keys.items():
        frame = load(root, collection)
        assert not frame.select(pl.struct("org", "period", *key).is_duplicated().any()).item(), (
            collection
        )


def test_indicators_cover_every_org_and_indicator(clean):
    root, _ = clean
    indicators = load(root, "indicators")
    kinds = dict(
        reference.seed("indicators").select("indicator_code", "indicator_kind").iter_rows()
    )
    assert (
        indicators.group_by("org", "period").len()["len"].to_list()
        == [len(kinds)] * len(reference.orgs()) * 3
    )
    for code, numerator, denominator in indicators.select(
        "indicator_code", "numerator", "denominator"
    ).iter_rows():
        if kinds[code] == "proportion":
            assert float(denominator) >= float(numerator)
        else:
            assert denominator is None


# -- planted faults -------------------------------------------------------------------------

RANGES = {
    ("star", "score"): (1, 10),
    ("raw", "score"): (0, 4),
    ("ascot", "satisfaction"): (1, 7),
    ("workforce", "contracted_days"): (0, 92),
    ("workforce", "sickness_days"): (0, None),
}
DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def code_list(column: str) -> tuple[str, ...]:
    if column == "lgd_code":
        return reference.column("lgds", "lgd_code")
    if column == "programme_of_care":
        return reference.column("programmes_of_care", "poc_code")
    if column == "function_code":
        return reference.column("dsf_functions", "function_code")
    return reference.codes(column)


def out_of_range(collection: str, column: str, value: str) -> bool:
    number = float(value)
    if column == "wte":
        return not 0 < number <= 1
    low, high = RANGES.get((collection, column), (0, 3))  # otherwise: an ASCOT domain
    return number < low or (high is not None and number > high)


def is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def assert_faulty(collection: str, period: Period, row: dict, column: str, rule: str) -> None:
    value = row[column]
    if rule == "required":
        assert value is None
        return
    assert value is not None
    if rule == "hcn_check_digit":
        assert re.fullmatch(r"\d{10}", value) and not is_valid(value)
    elif rule == "hcn_format":
        assert not re.fullmatch(r"\d{10}", value)
    elif rule == "code":
        assert value not in code_list(column)
    elif rule == "range":
        assert out_of_range(collection, column, value)
    elif rule == "integer":
        assert not re.fullmatch(r"-?\d+", value)
    elif rule == "date":
        assert DATE_LIKE.match(value) and not is_date(value)
    elif rule == "period":
        day = dt.date.fromisoformat(value)
        assert not period.first_day <= day <= period.last_day
    elif rule == "due_before_start":
        assert dt.date.fromisoformat(row["due_date"]) < dt.date.fromisoformat(row["start_date"])
    elif rule == "sickness_over_contracted":
        assert float(row["sickness_days"]) > int(row["contracted_days"])
    else:
        raise AssertionError(f"unexpected rule {rule}")


def test_planted_faults_are_listed_in_range_and_really_faulty(faulty):
    root, report = faulty
    listed = pl.read_csv(root / "planted_faults.csv")
    assert listed.columns == ["file", "row", "column", "rule"]
    assert listed.rows() == [(f.file, f.row, f.column, f.rule) for f in report.faults]
    assert set(listed["rule"]) >= {
        "required",
        "hcn_check_digit",
        "hcn_format",
        "code",
        "range",
        "date",
        "integer",
        "period",
    }
    assert "indicators" not in {f.split("/")[0] for f in listed["file"]}
    by_file = listed.group_by("file").agg("row", "column", "rule")
    for name, rows, columns, rules in by_file.iter_rows():
        frame = read(root / name)
        match = NAME.match(Path(name).name)
        collection, period = match["collection"], Period.parse(match["period"])
        assert len(set(rows)) == len(rows)  # one fault a row
        for row, column, rule in zip(rows, columns, rules, strict=True):
            assert 2 <= row <= len(frame) + 1
            assert_faulty(collection, period, frame.row(row - 2, named=True), column, rule)
        unit = {"star": "reading_id", "raw": "response_id"}.get(collection)
        if unit:  # never two faults in one reading or questionnaire
            units = frame[unit].gather([r - 2 for r in rows])
            assert units.n_unique() == len(rows)


def test_planted_share_is_about_bad_rows(faulty):
    _, report = faulty
    rows = sum(f.rows for f in report.files if f.collection != "indicators")
    assert 0.02 * rows <= len(report.faults) <= 0.04 * rows


def test_bad_arguments_are_refused(tmp_path):
    for kwargs in (
        {"periods": 0},
        {"scale": 0},
        {"bad_rows": 1.0},
        {"formats": ("xls",)},
        {"end_period": "2025-Q1"},
    ):
        with pytest.raises(ValueError):
            generate(tmp_path, **kwargs)
