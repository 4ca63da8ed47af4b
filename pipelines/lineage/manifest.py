"""A dbt manifest with every model's compiled SQL, fresh for the current project files.

Preferred: the manifest of the warehouse's own last ``dbt build`` (``$SWS_HOME/dbt-target``,
written by the Dagster dbt asset): its compiled SQL is exactly what built the marts. It is
used when it is newer than every model, macro, seed and project file and holds compiled SQL
for every model. Otherwise ``dbt compile`` (models only) runs into ``$SWS_HOME/lineage-target``
against a throw-away empty DuckDB file, so it never touches (or waits for) the warehouse, and
that manifest is reused until the project changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pipelines.dbt_files import DBT_PROJECT_DIR, changed_since
from pipelines.settings import Settings

from .sql import LineageError

LINEAGE_TARGET = "lineage-target"


def _usable(manifest_path: Path, *, fresh: bool = False) -> dict | None:
    """The manifest if it has every model's compiled SQL, and (unless ``fresh``, just compiled)
    is newer than the project."""
    if not fresh and changed_since(manifest_path):
        return None
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    models = [n for n in manifest.get("nodes", {}).values() if n["resource_type"] == "model"]
    if not models or any(not n.get("compiled_code") for n in models):
        return None
    return manifest


def compiled_manifest(settings: Settings, *, refresh: bool = False) -> dict:
    """The manifest (as a dict) with compiled SQL of every model; compiles when needed."""
    if not refresh:
        for target in (settings.dbt_target, settings.home / LINEAGE_TARGET):
            manifest = _usable(target / "manifest.json")
            if manifest is not None:
                return manifest
    target = settings.home / LINEAGE_TARGET
    compile_models(target)
    manifest = _usable(target / "manifest.json", fresh=True)
    if manifest is None:
        raise LineageError(f"dbt compile wrote no compiled SQL to {target}")
    return manifest


def compile_models(target: Path) -> None:
    """``dbt compile`` of the models into ``target``, against an empty scratch warehouse."""
    target.mkdir(parents=True, exist_ok=True)
    dbt = str(Path(sys.executable).with_name("dbt"))
    with tempfile.TemporaryDirectory(prefix="sws-lineage-") as scratch:
        (Path(scratch) / "work").mkdir()
        done = subprocess.run(
            [
                dbt,
                "compile",
                "--select",
                "resource_type:model",
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(target),
                "--quiet",
            ],
            cwd=DBT_PROJECT_DIR,
            # the profile's warehouse path is $SWS_HOME/work/warehouse.duckdb: point it at the
            # scratch folder (the compiled SQL names the database "warehouse" either way)
            env={**os.environ, "SWS_HOME": scratch},
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise LineageError("dbt compile failed: " + " | ".join(tail))
