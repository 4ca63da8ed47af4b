"""The contracts the validator runs are the models' own, from the cache as from the models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import CONTRACTS, contract
from contracts.contract import Contract, Rule, describe, fingerprint, from_json, to_json
from tests import returns_factory as factory
from tests.returns_factory import STAR_ROWS, spoil, valid_rows

pytestmark = pytest.mark.contracts

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_the_cached_description_is_the_models(collection):
    described = describe(CONTRACTS[collection])
    assert from_json(json.loads(json.dumps(to_json(described)))) == described
    assert contract.contract(collection) == described


def test_a_description_holds_every_rule_type_and_unit():
    star = describe(CONTRACTS["star"])
    assert star.columns == factory.COLUMNS["star"]
    assert Rule("reading_id", "duplicate_key", (("key", ("reading_id", "area_code")),)) in (
        star.rules
    )
    assert Rule("hcn", "required") in star.rules
    assert dict(star.types)["reading_date"] == "date"
    assert dict(star.types)["hcn"] is None
    assert star.unit == ("reading_id", "incomplete_reading")
    assert describe(CONTRACTS["dsf"]).unit is None
    assert star.model == "contracts.star:StarReturn"  # the asset's description, without pandera
    assert star.doc.startswith("Outcomes Star readings, one row per area score;")


@pytest.fixture
def cache_in(tmp_path, monkeypatch):
    monkeypatch.setattr(contract, "CACHE_DIR", tmp_path / "cache")
    contract._contracts.cache_clear()
    yield tmp_path / "cache"
    contract._contracts.cache_clear()


def test_the_cache_is_written_once_and_read_after(cache_in):
    first = contract.contract("raw")
    (written,) = cache_in.glob("contracts-*.json")
    assert written.name == f"contracts-{fingerprint()}.json"
    data = json.loads(written.read_text())
    data["raw"]["rules"] = [r for r in data["raw"]["rules"] if r[1] != "duplicate_key"]
    written.write_text(json.dumps(data))  # what is read is the cache, not the models
    contract._contracts.cache_clear()
    assert contract.contract("raw") == Contract(
        first.name,
        first.columns,
        tuple(r for r in first.rules if r.name != "duplicate_key"),
        first.types,
        first.unit,
        first.doc,
        first.model,
    )


def test_a_damaged_cache_is_read_from_the_models_again(cache_in):
    cache_in.mkdir()
    (cache_in / f"contracts-{fingerprint()}.json").write_text('{"star": [1, 2')
    assert contract.contract("star") == describe(CONTRACTS["star"])
    assert json.loads((cache_in / f"contracts-{fingerprint()}.json").read_text())["star"]


def test_no_cache_where_it_cannot_be_written(cache_in):
    cache_in.write_text("a file where the folder would be")
    assert contract.contract("dsf") == describe(CONTRACTS["dsf"])


def test_the_fingerprint_follows_the_sources_and_seeds(tmp_path, monkeypatch):
    package, seeds = tmp_path / "contracts", tmp_path / "seeds"
    package.mkdir()
    seeds.mkdir()
    (package / "star.py").write_text("x = 1\n")
    (seeds / "codes.csv").write_text("code_list,code\nsex,M\n")
    monkeypatch.setattr(contract, "HERE", package)
    monkeypatch.setattr(contract, "SEEDS_DIR", seeds)
    before = fingerprint()
    (seeds / "codes.csv").write_text("code_list,code\nsex,F\n")
    after_seed = fingerprint()
    (package / "star.py").write_text("x = 2\n")
    assert len({before, after_seed, fingerprint()}) == 3


def test_checking_a_file_imports_neither_pandera_nor_pandas(tmp_path):
    """About a second of every ``sws validate`` (pandas comes with pandera)."""
    reading = next(r for r, rows in STAR_ROWS.items() if 2 in rows)
    path = factory.write_return(tmp_path, "star", spoil(valid_rows("star"), 2, "score", "11"))
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from contracts.validate import check_file\n"
        f"result = check_file(Path({str(path)!r}))\n"
        "print(result.rows, result.failed, sorted(set(result.failures['rule'])))\n"
        "print(sorted(m for m in ('pandera', 'pandas') if m in sys.modules))\n"
    )
    contract.contract("star")  # the cache is there (as after any earlier check)
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    rows, modules = run.stdout.splitlines()
    failed = len(STAR_ROWS[reading])  # the whole reading
    assert rows == f"{len(valid_rows('star'))} {failed} ['incomplete_reading', 'range']"
    assert modules == "[]"
