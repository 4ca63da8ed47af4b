"""The dbt project, as Dagster sees it."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

sws_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
sws_dbt_project.prepare_if_dev()


def manifest_is_stale() -> bool:
    """True when the manifest is missing or older than a model, seed or project file."""
    manifest = sws_dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR.parent / "seeds"]
    sources += [p for d in ("models", "macros", "tests") for p in (DBT_PROJECT_DIR / d).rglob("*")]
    return any(p.stat().st_mtime > built for p in sources if p.exists())
