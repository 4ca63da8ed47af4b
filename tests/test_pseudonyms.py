"""Keyed pseudonyms: stable, keyed, Trust-local for staff, and the key kept owner-only."""

from __future__ import annotations

import polars as pl

from pipelines.ingest.pseudonyms import KEY_FILE, load_key, pseudonymise

ROWS = pl.DataFrame(
    {"hcn": ["9434765919", "9434765919"], "worker_id": ["W1", "W1"], "score": ["1", "2"]}
)


def test_hcn_and_worker_id_are_replaced_in_place():
    out = pseudonymise(ROWS, key=b"k", org="BHSCT")
    assert out.columns == ["person_key", "worker_key", "score"]
    assert "9434765919" not in out.to_pandas().to_string()
    assert out["person_key"].n_unique() == 1 and len(out["person_key"][0]) == 32


def test_a_person_has_the_same_key_in_every_trust_but_staff_numbers_are_trust_local():
    belfast = pseudonymise(ROWS, key=b"k", org="BHSCT")
    western = pseudonymise(ROWS, key=b"k", org="WHSCT")
    assert belfast["person_key"][0] == western["person_key"][0]
    assert belfast["worker_key"][0] != western["worker_key"][0]


def test_the_key_changes_every_pseudonym():
    assert (
        pseudonymise(ROWS, key=b"one", org="BHSCT")["person_key"][0]
        != pseudonymise(ROWS, key=b"two", org="BHSCT")["person_key"][0]
    )


def test_a_generated_key_is_made_once_and_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("SWS_PSEUDO_KEY", raising=False)
    first = load_key(tmp_path)
    assert load_key(tmp_path) == first and len(first) == 64
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_the_environment_key_wins_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("SWS_PSEUDO_KEY", "secret from the vault")
    assert load_key(tmp_path) == b"secret from the vault"
    assert not (tmp_path / KEY_FILE).exists()
