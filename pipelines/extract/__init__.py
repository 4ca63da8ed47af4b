"""The ODB extract pack (interface.md): disclosure control, workbook, CSV files, data package,
report, validation gate (Great Expectations and Frictionless, imported only when the gate runs)
and usage log.

API for the CLI (``sws extract``) and the Dagster asset::

    from pipelines.extract import write_pack, ExtractError
    result = write_pack(settings, "2025-26-Q4", out_dir=None, consumer="ODB")
    # ExtractError (UnknownPeriod): could not run (exit 2)
    # result.ok false: failed its gate, nothing published, result.message says why (exit 1)
"""

from pipelines.extract.disclosure import Thresholds, apply_disclosure, load_thresholds
from pipelines.extract.pack import ExtractError, PackResult, UnknownPeriod, write_pack

__all__ = [
    "ExtractError",
    "PackResult",
    "Thresholds",
    "UnknownPeriod",
    "apply_disclosure",
    "load_thresholds",
    "write_pack",
]
