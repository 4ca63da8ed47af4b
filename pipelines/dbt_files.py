"""The dbt project's files and its last build's artefacts, read without importing dbt.

Used to decide whether the manifest must be parsed again and whether a load may rebuild only
the models downstream of what it changed.
"""

from __future__ import annotations

import json
from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


def project_mtime(project_dir: Path = DBT_PROJECT_DIR) -> float:
    """The newest modification time of anything that changes the compiled SQL or manifest."""
    paths = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "macros", "tests", "analyses", "snapshots"):
        paths += (project_dir / folder).rglob("*")
    paths += (project_dir.parent / "seeds").rglob("*")
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def changed_since(built: Path) -> bool:
    """True when ``built`` is missing or older than anything in the dbt project."""
    return not built.exists() or built.stat().st_mtime < project_mtime()


def last_build_is_current(target: Path) -> bool:
    """True when the last dbt build in ``target`` passed and the project has not changed since.

    Then a load need only rebuild what is downstream of the returns it changed.
    """
    run_results = target / "run_results.json"
    if changed_since(run_results):
        return False
    try:
        results = json.loads(run_results.read_text())
    except (OSError, json.JSONDecodeError):  # being written by a dbt run right now
        return False
    return results["args"].get("which") == "build" and all(
        r["status"] in ("success", "pass", "warn", "no-op") for r in results["results"]
    )
