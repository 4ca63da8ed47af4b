"""Dagster resources: the warehouse (with its landing folder) and the dbt CLI."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from pipelines.ingest.pseudonyms import load_key
from pipelines.settings import Settings
from pipelines.warehouse import connect


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
    # dagster-dbt (and dbt) imported here, not with the module: the assets' metadata, which
    # `sws extract` and `sws status` record, should not cost a dbt import (~3 s)
    from pipelines.defs.dbt.resources import dbt_cli

    return {
        "warehouse": WarehouseResource(home=str(settings.home), landing=str(settings.landing)),
        "dbt": dbt_cli(),
    }
