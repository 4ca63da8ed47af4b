"""The Dagster code location (``dagster dev -m pipelines.definitions``), loaded lazily."""

import dagster as dg

from pipelines.defs.dbt.project import dbt_project
from pipelines.defs.definitions import build_defs
from pipelines.settings import load_settings


@dg.definitions
def defs() -> dg.Definitions:
    dbt_project().prepare_if_dev()  # `dagster dev` parses a changed project; else sws does
    return build_defs(load_settings())
