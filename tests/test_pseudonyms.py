"""Keyed pseudonyms: stable, keyed, Trust-local for staff, and the key kept owner-only."""

from __future__ import annotations

import hashlib
import hmac

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


def test_a_pseudonym_is_the_keyed_hmac_sha256_of_the_identifier_for_any_key_length():
    rows = pl.DataFrame(
        {"hcn": ["9434765919", None, "9434765919"], "worker_id": ["W1", "W2", None]}
    )
    for key in (b"k", b"x" * 64, b"a key longer than a block of SHA-256 " * 3):
        out = pseudonymise(rows, key=key, org="BHSCT")

        def expected(message: str, key: bytes = key) -> str:
            return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]

        person = expected("hcn:9434765919")
        assert out["person_key"].to_list() == [person, None, person]
        assert out["worker_key"].to_list() == [
            expected("worker:BHSCT:W1"),
            expected("worker:BHSCT:W2"),
            None,
        ]


def test_identifiers_of_no_value_at_all_stay_empty():
    rows = pl.DataFrame({"hcn": pl.Series([None, None], dtype=pl.String), "score": ["1", "2"]})
    assert pseudonymise(rows, key=b"k", org="BHSCT")["person_key"].to_list() == [None, None]
    assert pseudonymise(rows.head(0), key=b"k", org="BHSCT").columns == ["person_key", "score"]


def test_a_loads_checker_pseudonymises_so_no_identifier_reaches_the_writer(sws_home, monkeypatch):
    """A batch's rows are pseudonymised as they are checked, in the checker's thread (the
    writer meanwhile waits on DuckDB): the rows handed to the writer hold pseudonyms only, the
    same the writer would have made (worker keys with the file's own Trust)."""
    from pipelines.ingest import loader
    from pipelines.ingest.landing import discover
    from pipelines.sample import generate
    from pipelines.warehouse import connect

    generate(sws_home.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    seen = set()
    write_slot = loader.write_slot

    def watching(con, file, digest, received_at, checked, key, **kwargs):
        seen.update(checked.valid.columns)
        return write_slot(con, file, digest, received_at, checked, key, **kwargs)

    monkeypatch.setattr(loader, "write_slot", watching)
    slots, _ = discover(sws_home.landing)
    key = load_key(sws_home.home)
    with connect(sws_home.warehouse) as con:
        star = [files for slot, files in slots.items() if slot[0] == "star"]
        outcomes = loader.load_slots(con, star, archive_dir=sws_home.archive, key=key)
        loaded = con.sql(
            "select person_key, worker_key from returns.star where org = 'SHSCT' order by all"
        ).pl()
    assert len(outcomes) == 5 and all(o.status == "loaded" for o in outcomes)
    assert {"person_key", "worker_key"} <= seen and not seen & {"hcn", "worker_id"}
    raw = pl.read_csv(sws_home.landing / "star" / "star_SHSCT_2025-26-Q1.csv", infer_schema=False)
    expected = pseudonymise(raw.select("hcn", "worker_id"), key=key, org="SHSCT")
    assert loaded.equals(expected.sort(pl.all()))
