"""The dbt CLI resource, and the manifest it prepares before definitions are built."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliInvocation, DbtCliResource
from packaging.version import Version

from pipelines.dbt_files import changed_since, dbt_vars
from pipelines.defs.dbt.project import dbt_project, manifest_is_stale
from pipelines.settings import dbt_threads

# dbt's record of its last parse in a target folder, which the next command there reuses
PARTIAL_PARSE = "partial_parse.msgpack"
# the parses ``parse_ahead`` started, by target folder: a build there waits for its own
_parsing: dict[Path, DbtCliInvocation] = {}


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
    dbt_threads()  # a bad SWS_DBT_THREADS is said before dbt starts
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


@contextmanager
def parse_ahead(target: Path) -> Iterator[None]:
    """While the block runs, dbt parses the project into ``target`` in another process, when
    the folder has no parse as new as the project: a first load in an ``SWS_HOME`` (~7 s).

    A parse prepared once cannot be copied there: dbt's partial parse checks the profile,
    which names each home's warehouse. A load ingests first, then builds: the parse runs on
    the other core meanwhile, and the build (``parsed``) finds it done. dbt parses without
    opening the warehouse.
    """
    key = Path(os.path.abspath(target))
    if key in _parsing or not changed_since(target / PARTIAL_PARSE):
        yield
        return
    _parsing[key] = dbt_cli().cli(["parse", "--quiet", *dbt_vars()], target_path=target)
    try:
        yield
    finally:
        parsed(target)


def parsed(target: Path) -> None:
    """Wait for the parse ``parse_ahead`` started in ``target``, if any. One that failed is
    left to the build, which parses again (and says why if it cannot)."""
    invocation = _parsing.pop(Path(os.path.abspath(target)), None)
    if invocation is not None:
        invocation.process.communicate()
