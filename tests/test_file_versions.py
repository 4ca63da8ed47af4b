"""A load looks file versions up only for slots that have one: the outcomes are the same."""

from __future__ import annotations

from pipelines.ingest.file_versions import recorded_slots
from pipelines.ingest.landing import discover
from pipelines.ingest.loader import load_slots
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
