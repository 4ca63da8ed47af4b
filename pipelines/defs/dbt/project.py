"""The dbt project, as Dagster sees it: built on first use, never at import."""

from __future__ import annotations

from functools import cache

from dagster_dbt import DbtProject

from pipelines.dbt_files import DBT_PROJECT_DIR, changed_since


@cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale() -> bool:
    """True when the manifest is missing or older than a model, seed or project file."""
    return changed_since(dbt_project().manifest_path)
