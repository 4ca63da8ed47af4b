"""Shared fixtures: an isolated SWS_HOME per test and the ``sws`` command run in-process."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.settings import Settings


def _xdist_workers(config: pytest.Config) -> bool:
    """True in pytest-xdist's controller when it runs workers (``make test``: ``-n 2``)."""
    return not hasattr(config, "workerinput") and bool(config.getoption("numprocesses", None))


_WORKER_HOME = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """A pytest-xdist worker gets an SWS_HOME and a DAGSTER_HOME of its own (tests that do
    not choose one must not share one with a test running beside them)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        home = Path(tempfile.mkdtemp(prefix=f"sws-{worker}-"))
        config.stash[_WORKER_HOME] = home
        os.environ["SWS_HOME"] = str(home)
        os.environ["DAGSTER_HOME"] = str(home / "dagster")
        os.environ.pop("SWS_LANDING", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_WORKER_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


def pytest_sessionstart(session: pytest.Session) -> None:
    """With workers, the dbt manifest is prepared once, before they start: two workers must
    not parse into the same target folder at once."""
    if _xdist_workers(session.config):
        from pipelines.defs.dbt.resources import prepare_manifest

        prepare_manifest()


@dataclass
class SwsRun:
    status: int
    out: str
    err: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.out.splitlines() if line.startswith("{")]


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> Settings:
    """Point every location of the pipeline at ``home`` (restored after the test)."""
    settings = Settings(home=home, landing=home / "landing")
    monkeypatch.setenv("SWS_HOME", str(home))
    monkeypatch.setenv("SWS_LANDING", str(settings.landing))
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home_default))
    monkeypatch.delenv("SWS_PSEUDO_KEY", raising=False)
    # files written by a test are complete: load them at once (tests of files still being
    # written set their own interval)
    monkeypatch.setenv("SWS_LANDING_SETTLE_SECONDS", "0")
    settings.landing.mkdir(parents=True, exist_ok=True)
    return settings


@pytest.fixture(scope="session")
def dbt_manifest() -> None:
    """The dbt manifest the Dagster definitions are built from (importing them never parses)."""
    from pipelines.defs.dbt.resources import prepare_manifest

    prepare_manifest()


@pytest.fixture(scope="session")
def definitions(dbt_manifest):
    """The code location's definitions, as ``dagster dev`` loads them."""
    from pipelines.definitions import defs

    return defs()


@pytest.fixture
def sws_home(tmp_path, monkeypatch) -> Settings:
    return use_home(monkeypatch, tmp_path / "sws")


@pytest.fixture
def sws(capsys):
    """Run ``sws ARGS…`` in this process; returns its exit status and output."""

    def run(*args: str) -> SwsRun:
        capsys.readouterr()
        status = main([str(a) for a in args])
        captured = capsys.readouterr()
        return SwsRun(status, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def regional(tmp_path_factory):
    """One regional load of small sample returns in every format, with planted bad rows.

    Shared by the load and mart tests (a load with dbt costs tens of seconds); tests that add
    files to its landing folder load them and leave the warehouse consistent.
    """
    from pipelines.sample import generate

    home = tmp_path_factory.mktemp("regional") / "sws"
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = use_home(monkeypatch, home)
        report = generate(
            settings.landing,
            periods=3,
            scale=0.03,
            seed=11,
            bad_rows=0.01,
            formats=("csv", "xlsx", "parquet"),
        )
        with pytest.MonkeyPatch.context() as counting:
            _counting_turns(counting)
            status = main(["load", "--json"])
        yield settings, report, status, monkeypatch


# the regional load's writer turns and publishes of its warehouse (tests/test_turns.py)
REGIONAL_TURNS: dict[str, int] = {}


def _counting_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.warehouse import turns

    writer_turn, publish = turns._writer_turn, turns._publish

    def counted(name, function):
        def count(*args, **kwargs):
            REGIONAL_TURNS[name] = REGIONAL_TURNS.get(name, 0) + 1
            return function(*args, **kwargs)

        return count

    monkeypatch.setattr(turns, "_writer_turn", counted("turns", writer_turn))
    monkeypatch.setattr(turns, "_publish", counted("publishes", publish))


def load_all_but(settings: Settings, collection: str) -> None:
    """A quarter of small sample returns, every return but ``collection`` loaded (no dbt)."""
    from pipelines.ingest.landing import discover
    from pipelines.ingest.loader import load_slot
    from pipelines.ingest.pseudonyms import load_key
    from pipelines.sample import generate
    from pipelines.warehouse import connect

    generate(settings.landing, periods=1, end_period="2025-26-Q1", scale=0.01, seed=2)
    slots, _ = discover(settings.landing)
    with connect(settings.warehouse) as con:
        for slot, files in slots.items():
            if slot[0] != collection:
                load_slot(con, files, archive_dir=settings.archive, key=load_key(settings.home))


def found_in_warehouse(path: Path, *needles: str) -> list[str]:
    """``schema.table.column: needle`` for every text column of the DuckDB file ``path``
    holding one of ``needles`` (its bytes may be compressed: the values are asked, not the
    file grepped). One scan per column for every needle."""
    import duckdb

    found = []
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            counts = ", ".join(
                f'count(*) filter (contains("{column}", ${n + 1}))' for n in range(len(needles))
            )
            [hits] = con.execute(
                f'select {counts} from "{schema}"."{table}"', list(needles)
            ).fetchall()
            found += [
                f"{schema}.{table}.{column}: {n}" for n, h in zip(needles, hits, strict=True) if h
            ]
    finally:
        con.close()
    return found


@pytest.fixture
def leaky_disclosure(monkeypatch) -> str:
    """The pack's disclosure control made to leak: BHSCT's figure of the first person-based
    count measure shown as 3, unsuppressed, so the gate must refuse the pack. Returns that
    measure's code."""
    import dataclasses

    import polars as pl

    from contracts import reference
    from pipelines.extract import pack as pack_module
    from pipelines.extract.disclosure import disclose

    catalog = reference.seed("measures").filter(pl.col("breakdown_only") == "false")
    counts = catalog.filter((pl.col("unit") == "count") & (pl.col("disclosure_control") == "true"))
    target = counts["measure_code"][0]

    def leaky(marts, *args, **kwargs):
        out = disclose(marts, *args, **kwargs)
        row = (pl.col("measure_code") == target) & (pl.col("org") == "BHSCT")
        rows = out.pack.with_columns(
            pl.when(row).then(3.0).otherwise(pl.col(c)).alias(c) for c in ("value", "numerator")
        ).with_columns(suppressed=pl.when(row).then(False).otherwise(pl.col("suppressed")))
        return dataclasses.replace(out, pack=rows)

    monkeypatch.setattr(pack_module, "disclose", leaky)
    return target
