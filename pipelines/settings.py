"""The product's settings: where it keeps its state (interface.md, State), read from the
environment, and its policy (``[tool.sws]`` in pyproject.toml: deadlines, disclosure)."""

from __future__ import annotations

import functools
import os
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.limits import Limits

REPO = Path(__file__).resolve().parent.parent
# The instance config `sws` copies into a new $DAGSTER_HOME. Not at the repo root: `dagster dev`
# run there would warn that a dagster.yaml beside it is not the instance's.
REPO_DAGSTER_YAML = REPO / "deploy" / "laptop" / "dagster.yaml"
PYPROJECT = REPO / "pyproject.toml"


@functools.cache
def sws_config() -> dict[str, Any]:
    """``[tool.sws]`` of pyproject.toml: policy, not code."""
    with PYPROJECT.open("rb") as handle:
        return tomllib.load(handle)["tool"]["sws"]


@contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """The environment variables set (None: unset) while the block runs; restored after
    (a child process started inside inherits them)."""
    before = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set_variable(name, value)
        yield
    finally:
        for name, value in before.items():
            _set_variable(name, value)


def _set_variable(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def file_limits() -> Limits:
    """``[tool.sws.limits]``: files over them are refused before they are parsed."""
    return Limits(**sws_config()["limits"])


def landing_settle_seconds() -> float:
    """How long a landed file must stay unchanged before it is loaded (``[tool.sws]``
    ``landing_settle_seconds``; ``SWS_LANDING_SETTLE_SECONDS`` overrides it, for tests)."""
    override = os.environ.get("SWS_LANDING_SETTLE_SECONDS")
    return float(override if override else sws_config()["landing_settle_seconds"])


def dbt_threads() -> int:
    """``SWS_DBT_THREADS``: how many models dbt builds at once (profiles.yml reads it, with
    the same default). Checked before dbt runs: a bad value would otherwise reach dbt as 0
    threads and fail inside its pool, without naming the variable."""
    value = os.environ.get("SWS_DBT_THREADS") or "2"
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ValueError("SWS_DBT_THREADS must be a whole number of threads, 1 or more")
    return int(value)


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def archive(self) -> Path:
        """Every landed file version, as submitted, kept until retention expires it."""
        return self.home / "archive"

    @property
    def outbox(self) -> Path:
        """What each Trust gets back after a load: ``<ORG>/<period>/`` (pipelines.feedback)."""
        return self.home / "outbox"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for this warehouse: its partial parse and last run results."""
        return self.home / "dbt-target"

    @property
    def dagster_home_default(self) -> Path:
        return self.home / "dagster"

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or self.dagster_home_default)


def load_settings() -> Settings:
    home = Path(os.environ.get("SWS_HOME") or ".sws").resolve()
    landing = Path(os.environ.get("SWS_LANDING") or home / "landing").resolve()
    return Settings(home=home, landing=landing)


def export_environment(settings: Settings) -> None:
    """Make dbt (a subprocess) and Dagster see the same absolute locations as we do."""
    os.environ["SWS_HOME"] = str(settings.home)
    os.environ["SWS_LANDING"] = str(settings.landing)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    instance_config = settings.dagster_home / "dagster.yaml"
    if not instance_config.exists():
        shutil.copyfile(REPO_DAGSTER_YAML, instance_config)
