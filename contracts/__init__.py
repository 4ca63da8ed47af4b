"""Data contracts for the Trust returns of ``shared/spec/returns.md``: one pandera model each.

The models (and pandera, with pandas) are imported when first asked for: checking a file
reads their description (``contracts.contract``), and other modules here need none of them.
"""

from __future__ import annotations

import functools
import importlib

# each collection's model, by where it is: the names alone need no import of pandera
MODELS = {
    "star": "contracts.star:StarReturn",
    "ascot": "contracts.ascot:AscotReturn",
    "dsf": "contracts.dsf:DsfReturn",
    "raw": "contracts.raw:RawReturn",
    "workforce": "contracts.workforce:WorkforceReturn",
    "indicators": "contracts.indicators:IndicatorsReturn",
}


def __getattr__(name: str):
    """``CONTRACTS`` (collection -> model) and each model by name, imported on first use."""
    if name == "CONTRACTS":
        return _contracts()
    for where in MODELS.values():
        if where.endswith(f":{name}"):
            return _model(where)
    raise AttributeError(f"module 'contracts' has no attribute {name!r}")


@functools.cache
def _contracts() -> dict:
    return {collection: _model(where) for collection, where in MODELS.items()}


def _model(where: str):
    module, name = where.split(":")
    return getattr(importlib.import_module(module), name)
