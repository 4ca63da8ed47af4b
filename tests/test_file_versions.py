"""A load looks file versions up only for slots that have one, and a plan or a report in one
read of them all: the outcomes are the same."""

from __future__ import annotations

from pipelines.ingest import file_versions, loader
from pipelines.ingest.file_versions import (
    _not_loaded,
    recorded_digests,
    recorded_slots,
    summarise,
    walk,
)
from pipelines.ingest.landing import discover
from pipelines.ingest.loader import load_slots
from pipelines.ingest.planning import plan_load
from pipelines.ingest.pseudonyms import load_key
from pipelines.warehouse import connect
from tests import returns_factory as factory


def _load(settings) -> dict[str, tuple]:
    slots, _ = discover(settings.landing)
    with connect(settings.warehouse) as con:
        outcomes = load_slots(
            con, list(slots.values()), archive_dir=settings.archive, key=load_key(settings.home)
        )
        recorded = recorded_slots(con)
    return {o.file: (o.status, o.rows, o.loaded, o.quarantined) for o in outcomes}, recorded


def test_a_first_load_with_a_refused_newest_version_loads_the_one_before(sws_home):
    dsf = sws_home.landing / "dsf"
    dsf.mkdir()
    valid = factory.valid_rows("dsf")
    first = factory.write_return(dsf, "dsf", valid)
    columns = [c for c in factory.COLUMNS["dsf"] if c != "sex"]  # refused: a column missing
    second = factory.write_return(dsf, "dsf", valid, name=f"{first.stem}_v2.csv", columns=columns)
    outcomes, recorded = _load(sws_home)
    assert outcomes == {
        second.name: ("refused", None, None, None),
        first.name: ("loaded", len(valid), len(valid), 0),
    }
    assert recorded == {("dsf", factory.ORG, factory.PERIOD)}
    # loaded again: both are known now, and looked up
    outcomes, _ = _load(sws_home)
    assert outcomes[first.name] == ("unchanged", len(valid), len(valid), 0)
    assert outcomes[second.name][0] == "unchanged"


def test_a_new_slot_beside_a_recorded_one(sws_home):
    dsf, star = sws_home.landing / "dsf", sws_home.landing / "star"
    dsf.mkdir()
    star.mkdir()
    dsf_file = factory.write_return(
        dsf, "dsf", factory.spoil(factory.valid_rows("dsf"), 2, "sex", "Q")
    )
    _load(sws_home)
    star_file = factory.write_return(star, "star")
    outcomes, recorded = _load(sws_home)
    rows = len(factory.valid_rows("dsf"))
    assert outcomes[dsf_file.name] == ("unchanged", rows, rows - 1, 1)
    assert outcomes[star_file.name][0] == "loaded"
    assert recorded == {("dsf", factory.ORG, factory.PERIOD), ("star", factory.ORG, factory.PERIOD)}


def test_a_plan_and_a_report_read_the_recorded_versions_once(sws_home, monkeypatch):
    """They look every landed file up in one read of ``ingest.file_versions`` (two queries
    per file cost seconds at 620 files): with what a query per file would find."""
    dsf = sws_home.landing / "dsf"
    dsf.mkdir()
    valid = factory.valid_rows("dsf")
    missing = [c for c in factory.COLUMNS["dsf"] if c != "sex"]  # refused: a column missing

    def name(org, version=None):
        return factory.file_name("dsf", org=org, version=version)

    def write(org, version=None, **kwargs):
        return factory.write_return(dsf, "dsf", valid, name=name(org, version), **kwargs)

    write("BHSCT")
    write("BHSCT", 2)  # BHSCT v1 superseded by v2, both loaded
    write("NHSCT")
    write("NHSCT", 2, columns=missing)  # NHSCT v2 refused: v1 stays in place
    write("SHSCT")  # its load fails (below): tried again at the next load
    with monkeypatch.context() as breakage:
        replace_slot = loader.replace_slot

        def failing(con, file, *args, **kwargs):
            if file.org == "SHSCT":
                raise ValueError("the disk is full")
            return replace_slot(con, file, *args, **kwargs)

        breakage.setattr(loader, "replace_slot", failing)
        _load(sws_home)
    write("SEHSCT")  # landed since
    (dsf / name("BHSCT", 3)).write_bytes((dsf / name("BHSCT", 2)).read_bytes())

    slots, _ = discover(sws_home.landing)
    with connect(sws_home.warehouse, read_only=True) as con:
        known = recorded_digests(con)
        asked = [o for files in slots.values() for o in walk(con, files, _not_loaded, known=known)]
    expected = {
        name("BHSCT"): "superseded",
        name("BHSCT", 2): "unchanged",
        name("BHSCT", 3): "not loaded",
        name("NHSCT"): "unchanged",
        name("NHSCT", 2): "unchanged",
        name("SHSCT"): "not loaded",
        name("SEHSCT"): "not loaded",
    }
    assert {o.file: o.status for o in asked} == expected

    def no_query_per_file(*args):
        raise AssertionError("asked the warehouse about one file")

    monkeypatch.setattr(file_versions, "current_version", no_query_per_file)
    monkeypatch.setattr(file_versions, "known_outcome", no_query_per_file)
    with connect(sws_home.warehouse, read_only=True) as con:
        report = summarise(con, sws_home.landing)
    by_file = {o.file: o for o in asked}
    assert {o.file: o for o in report} == by_file  # the same outcomes, figures and refusals
    assert by_file[name("NHSCT", 2)].refused and by_file[name("BHSCT", 2)].rows == len(valid)
    runs = plan_load(sws_home)
    planned = {slot for run in runs if run.collection == "dsf" for slot in run.slots}
    assert planned == {(org, factory.PERIOD) for org in ("BHSCT", "SEHSCT", "SHSCT")}
