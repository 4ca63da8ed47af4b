"""The dbt CLI resource, and the manifest it prepares before definitions are built."""

from __future__ import annotations

import importlib.metadata
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging.version import Version

from pipelines.dbt_files import dbt_vars
from pipelines.defs.dbt.project import dbt_project, manifest_is_stale


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


def dbt_cli() -> SwsDbtCliResource:
    return SwsDbtCliResource(
        project_dir=dbt_project(),
        # the venv may not be activated: use the dbt installed beside this Python
        dbt_executable=str(Path(sys.executable).with_name("dbt")),
    )


def prepare_manifest() -> None:
    """``dbt parse`` when the manifest is missing or older than the project's files.

    The asset graph is read from the manifest: ``sws load``, ``sws ui`` and the tests call
    this before building the definitions (importing them never runs dbt).
    """
    if manifest_is_stale():
        dbt_cli().cli(
            ["parse", "--quiet", *dbt_vars()], target_path=dbt_project().target_path
        ).wait()
