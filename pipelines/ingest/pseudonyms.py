"""Keyed pseudonyms (interface.md): identifiers never pass ingest.

``person_key`` = HMAC(key, hcn): the same person has the same key in every Trust.
``worker_key`` = HMAC(key, org + worker_id): staff numbers are Trust-local.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import polars as pl

KEY_FILE = "pseudonym.key"
PSEUDONYMS = {"hcn": "person_key", "worker_id": "worker_key"}


def load_key(home: Path) -> bytes:
    """``SWS_PSEUDO_KEY``, else a random key made once and kept owner-readable in ``home``."""
    secret = os.environ.get("SWS_PSEUDO_KEY")
    if secret:
        return secret.encode()
    path = home / KEY_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_bytes().strip()
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_bytes().strip()


@functools.lru_cache(maxsize=1_000_000)  # people recur quarter after quarter; ~150 MB at most
def _digest(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


def pseudonymise(rows: pl.DataFrame, *, key: bytes, org: str) -> pl.DataFrame:
    """Replace ``hcn`` and ``worker_id`` by their pseudonyms, in place in the column order."""
    prefixes = {"hcn": "hcn:", "worker_id": f"worker:{org}:"}
    replaced = {}
    for identifier, pseudonym in PSEUDONYMS.items():
        if identifier in rows.columns:
            values = rows[identifier].unique().drop_nulls().to_list()
            mapping = {v: _digest(key, prefixes[identifier] + v) for v in values}
            replaced[identifier] = (
                pl.col(identifier)
                .replace_strict(mapping, default=None, return_dtype=pl.String)
                .alias(pseudonym)
            )
    return rows.select(replaced.get(c, pl.col(c)) for c in rows.columns)
