"""Dagster resources: the warehouse (with its landing folder) and the dbt CLI."""

from __future__ import annotations

import importlib.metadata
import sys
from functools import cached_property
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from packaging.version import Version

from pipelines.project import sws_dbt_project
from pipelines.pseudonyms import load_key
from pipelines.settings import Settings
from pipelines.warehouse import connect


class SwsDbtCliResource(DbtCliResource):
    """The dbt CLI without dagster-dbt's two start-up costs we do not use (~6 s a run).

    dagster-dbt asks the dbt executable for its version (a second Python start-up, ~2 s)
    and builds an in-process dbt adapter (~4 s), which only its column-metadata helpers use.
    dbt-core is pinned and installed beside us, so its version is known.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


class WarehouseResource(ConfigurableResource):
    """Where returns land and where they are loaded (``SWS_HOME``, ``SWS_LANDING``)."""

    home: str
    landing: str

    @property
    def settings(self) -> Settings:
        return Settings(home=Path(self.home), landing=Path(self.landing))

    def connect(self):
        """A writing connection (DuckDB allows one writing process at a time)."""
        return connect(self.settings.warehouse)

    def pseudonym_key(self) -> bytes:
        return load_key(self.settings.home)


def build_resources(settings: Settings) -> dict:
    return {
        "warehouse": WarehouseResource(home=str(settings.home), landing=str(settings.landing)),
        "dbt": SwsDbtCliResource(
            project_dir=sws_dbt_project,
            # the venv may not be activated: use the dbt installed beside this Python
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    }
