"""The product's settings that are policy, not code: ``[tool.sws]`` in pyproject.toml."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@functools.cache
def sws_config() -> dict[str, Any]:
    with PYPROJECT.open("rb") as handle:
        return tomllib.load(handle)["tool"]["sws"]
