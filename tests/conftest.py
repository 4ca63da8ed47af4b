"""Shared fixtures: an isolated SWS_HOME per test and the ``sws`` command run in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.settings import Settings


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
    settings.landing.mkdir(parents=True, exist_ok=True)
    return settings


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
