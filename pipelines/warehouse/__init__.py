"""The embedded DuckDB warehouse: writer turns on a working copy, the published copy readers
read (``turns``), and the tables the Python side owns (``schema``)."""

from pipelines.warehouse.schema import USAGE_DDL, ensure_schema, loaded_shape, slot_rows
from pipelines.warehouse.turns import WarehouseBusy, connect, one_publish, working_copy, writing

__all__ = [
    "USAGE_DDL",
    "WarehouseBusy",
    "connect",
    "ensure_schema",
    "loaded_shape",
    "one_publish",
    "slot_rows",
    "working_copy",
    "writing",
]
