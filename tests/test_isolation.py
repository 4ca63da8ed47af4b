"""One file never fails another's load: an unexpected error is its own file's, said by name,
and the file is tried again at the next load."""

from __future__ import annotations

import logging

import pytest

from pipelines.ingest import loader
from pipelines.ingest.landing import discover
from pipelines.ingest.outcomes import LOAD_FAILED
from pipelines.ingest.pseudonyms import load_key
from pipelines.sample import generate
from pipelines.warehouse import connect
from tests.conftest import found_in_warehouse

POISON = "MARKER-IN-AN-ERROR-4417"


def _load(settings):
    slots, _ = discover(settings.landing)
    with connect(settings.warehouse) as con:
        return loader.load_slots(
            con, list(slots.values()), archive_dir=settings.archive, key=load_key(settings.home)
        )


def _breaking(monkeypatch: pytest.MonkeyPatch, target: str, when):
    """Make ``loader.<target>`` raise (quoting a value, as library errors may) when
    ``when(args, kwargs)``."""
    original = getattr(loader, target)

    def broken(*args, **kwargs):
        if when(args, kwargs):
            raise ValueError(f"could not convert {POISON!r}")
        return original(*args, **kwargs)

    monkeypatch.setattr(loader, target, broken)


CASES = {
    # while its rows are written (inside the batch's transaction)
    "writing": ("replace_slot", lambda args, kwargs: args[1].org == "NHSCT"),
    # while its rows are pseudonymised
    "pseudonymising": ("pseudonymise", lambda args, kwargs: kwargs["org"] == "NHSCT"),
    # while the batch's rows are inserted at once (the batch fails, then each file alone)
    "inserting": ("_insert", lambda args, kwargs: (args[2]["org"] == "NHSCT").any()),
    # while the batch is checked (the batch fails, then each file alone)
    "checking": (
        "check_files",
        lambda args, kwargs: any("NHSCT" in path.name for path in args[0]),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_unexpected_error_is_one_files_and_the_batch_goes_on(
    sws_home, monkeypatch, caplog, case
):
    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    for path in sws_home.landing.glob("*/*"):
        if not path.name.startswith(("dsf_", "workforce_")):
            path.unlink()
    with (
        pytest.MonkeyPatch.context() as breakage,
        caplog.at_level(logging.ERROR, logger="pipelines.ingest.loader"),
    ):
        _breaking(breakage, *CASES[case])
        outcomes = {o.file: o for o in _load(sws_home)}
    failed = {name for name, o in outcomes.items() if o.status == "refused"}
    assert failed == {"dsf_NHSCT_2025-26-Q1.csv", "workforce_NHSCT_2025-26-Q1.csv"}
    for name in failed:
        assert outcomes[name].refused == (
            f"{name}: {LOAD_FAILED} (an unexpected ValueError; see the load log)"
        )
    assert sum(o.status == "loaded" for o in outcomes.values()) == 8
    assert "ValueError while loading it" in caplog.text
    assert POISON not in caplog.text  # the log says where, never the error's message
    with connect(sws_home.warehouse, read_only=True) as con:
        orgs = con.execute("select distinct org from returns.dsf order by org").fetchall()
        recorded = con.execute(
            "select file_name, is_current, refused from ingest.file_versions "
            "where org = 'NHSCT' order by file_name"
        ).fetchall()
    assert orgs == [("BHSCT",), ("SEHSCT",), ("SHSCT",), ("WHSCT",)]
    assert recorded == [(name, False, outcomes[name].refused) for name in sorted(failed)]
    assert found_in_warehouse(sws_home.warehouse, POISON) == []
    # the cause is fixed (here: the breakage is gone): the next load tries the files again
    again = {o.file: o for o in _load(sws_home)}
    for name in failed:
        assert again[name].status == "loaded", again[name]
