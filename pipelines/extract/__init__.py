"""The ODB extract pack (interface.md): disclosure control, workbook, CSV files, data package,
report, validation gate (Great Expectations and Frictionless, imported only when the gate runs)
and usage log.

API for the CLI (``sws extract``) and the Dagster asset::

    from pipelines.extract import write_pack, ExtractError
    result = write_pack(settings, "2025-26-Q4", out_dir=None, consumer="ODB")
    # ExtractError (UnknownPeriod): could not run (exit 2)
    # result.ok false: failed its gate, nothing published, result.message says why (exit 1)
"""

import importlib

# imported on first use: the pack's libraries (gptables, pandas, scipy: ~2 s) are not needed
# by what only names the packs, such as the Dagster definitions a `sws load` builds
_HOMES = {
    "ExtractError": "pack",
    "PackResult": "pack",
    "Thresholds": "disclosure",
    "UnknownPeriod": "pack",
    "apply_disclosure": "disclosure",
    "load_thresholds": "disclosure",
    "write_pack": "pack",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


__all__ = [
    "ExtractError",
    "PackResult",
    "Thresholds",
    "UnknownPeriod",
    "apply_disclosure",
    "load_thresholds",
    "write_pack",
]
