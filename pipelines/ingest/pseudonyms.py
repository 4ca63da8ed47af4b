"""Keyed pseudonyms (interface.md): identifiers never pass ingest.

``person_key`` = HMAC(key, hcn): the same person has the same key in every Trust.
``worker_key`` = HMAC(key, org + worker_id): staff numbers are Trust-local.

The warehouse keeps a fingerprint of the key it was loaded with (``ingest.key_fingerprint``:
a keyed digest of a constant, from which the key cannot be worked out). A load with another
key is refused: it would give every person a second key. Rotating the key is a deliberate
command (``sws rotate-key``, ``pipelines.ingest.rotation``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import duckdb
import polars as pl

KEY_FILE = "pseudonym.key"
PSEUDONYMS = {"hcn": "person_key", "worker_id": "worker_key"}
FINGERPRINT_OF = b"sws pseudonym key fingerprint v1"


class KeyMismatch(Exception):
    """The pseudonym key differs from the one the warehouse was loaded with."""


def fingerprint(key: bytes) -> str:
    return hmac.new(key, FINGERPRINT_OF, hashlib.sha256).hexdigest()


def recorded_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the key the warehouse's pseudonyms were made with, if recorded."""
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'ingest' and table_name = 'key_fingerprint'"
    ).fetchall()[0][0]
    if not exists:
        return None
    found = con.execute("select fingerprint from ingest.key_fingerprint").fetchall()
    return found[0][0] if found else None


def check_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """KeyMismatch unless ``key`` is the key the warehouse was loaded with (or none was)."""
    recorded = recorded_fingerprint(con)
    if recorded is not None and recorded != fingerprint(key):
        raise KeyMismatch(
            "the pseudonym key (SWS_PSEUDO_KEY or $SWS_HOME/pseudonym.key) is not the key "
            "this warehouse was loaded with: nothing loaded (a person would get a second "
            "key); use the earlier key, or rotate deliberately with `sws rotate-key`"
        )


def record_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Record ``key``'s fingerprint as the warehouse's (in the caller's transaction)."""
    con.execute("delete from ingest.key_fingerprint")
    con.execute(
        "insert into ingest.key_fingerprint values (?, ?)", [fingerprint(key), dt.datetime.now()]
    )


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


CACHED = 1_000_000  # people recur quarter after quarter; ~150 MB at most


class _Pseudonyms:
    """HMAC-SHA256 under one key (RFC 2104), each message's digest kept: the key's inner and
    outer pads are hashed once, and each message costs two copies of a hash state (cheaper
    than ``hmac``'s copy of its object)."""

    def __init__(self, key: bytes):
        if len(key) > hashlib.sha256().block_size:
            key = hashlib.sha256(key).digest()
        block = key.ljust(hashlib.sha256().block_size, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        self._known: dict[str, str] = {}

    def of(self, messages: list[str]) -> list[str]:
        known, found = self._known, []
        if len(known) > CACHED:
            known.clear()
        for message in messages:
            digest = known.get(message)
            if digest is None:
                inner = self._inner.copy()
                inner.update(message.encode())
                outer = self._outer.copy()
                outer.update(inner.digest())
                digest = known[message] = outer.hexdigest()[:32]
            found.append(digest)
        return found


@functools.lru_cache(maxsize=4)
def _pseudonyms(key: bytes) -> _Pseudonyms:
    return _Pseudonyms(key)


def pseudonymise(rows: pl.DataFrame, *, key: bytes, org: str) -> pl.DataFrame:
    """Replace ``hcn`` and ``worker_id`` by their pseudonyms, in place in the column order."""
    prefixes = {"hcn": "hcn:", "worker_id": f"worker:{org}:"}
    replaced = {}
    for identifier, pseudonym in PSEUDONYMS.items():
        if identifier in rows.columns:
            values = rows[identifier].unique().drop_nulls()
            prefix = prefixes[identifier]
            digests = _pseudonyms(key).of([prefix + value for value in values.to_list()])
            lookup = pl.DataFrame(
                {identifier: values, pseudonym: pl.Series(digests, dtype=pl.String)}
            )
            # a join, in the rows' order: cheaper than ``replace_strict`` with this many values
            found = rows.select(identifier).join(
                lookup, on=identifier, how="left", maintain_order="left"
            )
            replaced[identifier] = found[pseudonym]
    return rows.select(replaced.get(c, pl.col(c)) for c in rows.columns)
