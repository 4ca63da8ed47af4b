"""Keys unique within the org across its periods (returns.md): a key reused from a period
already loaded quarantines the new file's rows (``duplicate_key``), and changes nothing
loaded before."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.ingest.landing import discover
from pipelines.ingest.loader import load_slots
from pipelines.ingest.pseudonyms import load_key
from pipelines.sample import generate
from pipelines.warehouse import connect

Q3, Q4 = "2025-26-Q3", "2025-26-Q4"
KEY = {"dsf": "event_id", "ascot": "assessment_id", "raw": "response_id", "star": "reading_id"}


@pytest.fixture
def two_quarters(sws_home):
    generate(sws_home.landing, periods=2, end_period=Q4, scale=0.03, seed=4)
    return sws_home


def _path(settings, collection: str, org: str = "WHSCT", period: str = Q4, version: int = 1):
    suffix = "" if version == 1 else f"_v{version}"
    return settings.landing / collection / f"{collection}_{org}_{period}{suffix}.csv"


def _read(path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _reuse(settings, collection: str, *, unit_of: str | None = None, org: str = "WHSCT") -> str:
    """Give the first record (or unit) of WHSCT's Q4 return the key of ``org``'s Q3 one."""
    key = KEY[collection]
    q3 = _read(_path(settings, collection, org=org, period=Q3))
    q4_path = _path(settings, collection)
    q4 = _read(q4_path)
    reused = q3[key][0] if unit_of is None else unit_of
    first = q4[key][0]
    q4.with_columns(
        pl.when(pl.col(key) == first).then(pl.lit(reused)).otherwise(pl.col(key)).alias(key)
    ).write_csv(q4_path)
    return reused


def _load(settings, only: tuple[str, ...] | None = None, collections=None):
    slots, _ = discover(settings.landing)
    chosen = [
        files
        for slot, files in sorted(slots.items(), key=lambda item: item[0])
        if (only is None or slot[2] in only) and (collections is None or slot[0] in collections)
    ]
    with connect(settings.warehouse) as con:
        outcomes = load_slots(
            con, chosen, archive_dir=settings.archive, key=load_key(settings.home)
        )
    return {o.file: o for o in outcomes}


def _quarantined(settings, name: str) -> list[tuple]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(
            'select "row", "column", rule, value from ingest.quarantine where file_name = ? '
            'order by "row", "column"',
            [name],
        ).fetchall()


def _count(settings, collection: str, where: str, params) -> int:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(
            f"select count(*) from returns.{collection} where {where}", params
        ).fetchall()[0][0]


@pytest.mark.parametrize("collection", ["dsf", "ascot"])
@pytest.mark.parametrize("together", [False, True], ids=["loaded-before", "same-run"])
def test_a_key_reused_from_another_period_quarantines_the_new_rows(
    two_quarters, collection, together
):
    settings = two_quarters
    reused = _reuse(settings, collection)
    if not together:
        _load(settings, only=(Q3,), collections=(collection,))
    outcomes = _load(settings, collections=(collection,))
    name = _path(settings, collection).name
    assert outcomes[name].quarantined == 1
    assert outcomes[name].rows == outcomes[name].loaded + outcomes[name].quarantined
    assert _quarantined(settings, name) == [(2, KEY[collection], "duplicate_key", reused)]
    # the row loaded before is loaded still; the new one is not
    assert _count(settings, collection, f"{KEY[collection]} = ?", [reused]) == 1
    assert _count(settings, collection, f"{KEY[collection]} = ? and period = ?", [reused, Q3]) == 1
    q3 = _path(settings, collection, period=Q3).name
    assert _quarantined(settings, q3) == []


def test_the_file_loaded_later_is_the_one_whose_rows_fail(two_quarters):
    settings = two_quarters
    reused = _reuse(settings, "dsf")
    _load(settings, only=(Q4,), collections=("dsf",))  # Q4 first, this time
    outcomes = _load(settings, only=(Q3,), collections=("dsf",))
    q3 = _path(settings, "dsf", period=Q3).name
    assert outcomes[q3].quarantined == 1
    assert _quarantined(settings, q3) == [(2, "event_id", "duplicate_key", reused)]
    assert _count(settings, "dsf", "event_id = ? and period = ?", [reused, Q4]) == 1


def test_a_reused_questionnaire_fails_whole(two_quarters):
    settings = two_quarters
    reused = _reuse(settings, "raw")
    _load(settings, collections=("raw",))
    name = _path(settings, "raw").name
    failures = _quarantined(settings, name)
    assert len(failures) == 12  # the twelve items of the questionnaire
    assert {(column, rule, value) for _, column, rule, value in failures} == {
        ("response_id", "duplicate_key", reused)
    }


def test_a_reading_reusing_some_keys_fails_whole_with_its_units_rule(two_quarters):
    """A recovery reading given the id of a family_plus reading of Q3: only the area both
    versions have (social_networks) reuses a key; the rest of the reading goes with it."""
    settings = two_quarters
    q3 = _read(_path(settings, "star", period=Q3))
    q4 = _read(_path(settings, "star"))
    family = q3.filter(pl.col("star_version") == "family_plus")["reading_id"][0]
    recovery = q4.filter(pl.col("star_version") == "recovery")["reading_id"][0]
    q4.with_columns(
        pl.when(pl.col("reading_id") == recovery)
        .then(pl.lit(family))
        .otherwise(pl.col("reading_id"))
        .alias("reading_id")
    ).write_csv(_path(settings, "star"))
    _load(settings, collections=("star",))
    failures = _quarantined(settings, _path(settings, "star").name)
    rules = [rule for _, _, rule, _ in failures]
    assert rules.count("duplicate_key") == 1
    assert rules.count("incomplete_reading") == 9  # a recovery reading has ten areas
    assert {value for _, _, _, value in failures} == {family}


def test_a_resubmission_of_the_same_period_does_not_conflict_with_its_own_earlier_version(
    two_quarters,
):
    settings = two_quarters
    _load(settings, collections=("dsf",))
    v1 = _path(settings, "dsf")
    v2 = _path(settings, "dsf", version=2)
    v2.write_bytes(v1.read_bytes())
    outcomes = _load(settings, collections=("dsf",))
    assert outcomes[v2.name].status == "loaded" and outcomes[v2.name].quarantined == 0


@pytest.mark.parametrize(
    ("collection", "org"),
    [("dsf", "NHSCT"), ("workforce", "WHSCT")],
    ids=["another-org", "workforce-another-snapshot"],
)
def test_keys_are_not_compared_beyond_their_scope(two_quarters, collection, org):
    """Another Trust may use the same event id; a worker is in every quarter's snapshot."""
    settings = two_quarters
    if collection == "dsf":
        _reuse(settings, "dsf", org=org)
    else:
        q3 = _read(_path(settings, "workforce", period=Q3))
        q4 = _read(_path(settings, "workforce"))
        assert set(q3["worker_id"]) & set(q4["worker_id"]), "no worker in both snapshots"
    outcomes = _load(settings, collections=(collection,))
    assert all(o.quarantined == 0 for o in outcomes.values()), outcomes


def test_a_key_of_an_earlier_version_loaded_in_the_same_run_is_compared_too(two_quarters):
    """Q3's v2 is refused whole, so Q3's v1 is checked and loaded in the run after the batch's
    keys were compared at once: Q4's reuse of a v1 key is still found (the batch's comparison
    knew only v2 and Q4)."""
    settings = two_quarters
    reused = _reuse(settings, "dsf")
    refused = _path(settings, "dsf", period=Q3, version=2)
    refused.write_text("not,the,header\n1,2,3\n")
    outcomes = _load(settings, collections=("dsf",))
    assert outcomes[refused.name].status == "refused"
    q3 = _path(settings, "dsf", period=Q3).name
    assert outcomes[q3].status == "loaded" and outcomes[q3].quarantined == 0
    name = _path(settings, "dsf").name
    assert outcomes[name].quarantined == 1
    assert _quarantined(settings, name) == [(2, "event_id", "duplicate_key", reused)]


@pytest.mark.parametrize("collection", ["dsf", "star"])
def test_keys_of_a_batch_are_compared_at_once_and_files_clear_of_reuse_ask_nothing(
    two_quarters, monkeypatch, collection
):
    """Only the files the batch's comparison found sharing a key are compared again, as they
    are loaded: the one loaded first finds nothing, the other fails the reused row."""
    from pipelines.ingest import keys

    settings = two_quarters
    _reuse(settings, "dsf")
    asked = []
    original = keys.quarantine_reused_keys

    def counting(con, file, checked, *, known_free=False):
        if not known_free:
            asked.append(file.path.name)
        return original(con, file, checked, known_free=known_free)

    monkeypatch.setattr("pipelines.ingest.loader.quarantine_reused_keys", counting)
    outcomes = _load(settings, collections=(collection,))
    assert sum(o.quarantined for o in outcomes.values()) == (collection == "dsf")
    sharing = [_path(settings, "dsf", period=period).name for period in (Q3, Q4)]
    assert asked == (sharing if collection == "dsf" else [])


@pytest.mark.parametrize("collection", ["dsf", "star"])
def test_a_batchs_rows_are_inserted_at_once_and_before_a_key_check_reads_them(
    two_quarters, monkeypatch, collection
):
    """A batch's rows wait and go in one insert per table (an insert costs 6-15 ms beyond its
    rows); the rows waiting are inserted before a file whose keys are compared as it loads,
    so that the comparison sees them (here WHSCT's Q3 before its Q4, which reuses a key)."""
    from pipelines.ingest import loader

    settings = two_quarters
    _reuse(settings, "dsf")
    inserted = []
    insert = loader._insert

    def counting(con, table, rows):
        inserted.append((table, rows.height))
        return insert(con, table, rows)

    monkeypatch.setattr(loader, "_insert", counting)
    outcomes = _load(settings, collections=(collection,))
    loaded = [o.loaded for _, o in sorted(outcomes.items())]  # slot order: org, then period
    assert len(loaded) == 10 and all(loaded)  # five Trusts, two quarters: one batch
    if collection == "dsf":
        assert inserted == [("dsf", sum(loaded[:8])), ("dsf", loaded[8]), ("dsf", loaded[9])]
        assert outcomes[_path(settings, "dsf").name].quarantined == 1
    else:
        assert inserted == [("star", sum(loaded))]
    assert _count(settings, collection, "true", []) == sum(loaded)


def test_each_returns_key_is_its_contracts_duplicate_key_rule():
    """Read from the contract's cached description (a load imports no pandera): the same
    columns as the pandera model's ``duplicate_key`` check, its own column first."""
    import contracts
    from pipelines.ingest.keys import key_columns

    expected = {
        "star": ("reading_id", "area_code"),
        "ascot": ("assessment_id",),
        "dsf": ("event_id",),
        "raw": ("response_id", "item_code"),
        "workforce": ("worker_id",),
        "indicators": ("indicator_code",),
    }
    for collection, model in contracts.CONTRACTS.items():
        key = key_columns(collection)
        assert key == expected[collection]
        for name, column in model.to_schema().columns.items():
            for check in column.checks:
                if check.name == "duplicate_key":
                    assert key[0] == name and set(key) == set(check.statistics["key"])
