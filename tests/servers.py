"""Programs a test starts and stops by PID: PostgreSQL, the Dagster webserver and daemon,
headless Chromium. Each runs in a session of its own, so that stopping it stops whatever it
started too (a code server, a run worker), and only that."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float, what: str, every: float = 0.5):
    """``check()``'s first truthy value; an AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@contextmanager
def started(command: list[str], *, log: Path, **popen) -> Iterator[subprocess.Popen]:
    """``command`` running in a session of its own; stopped with everything it started."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **popen
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, *, grace: float = 30) -> None:
    """SIGTERM to the process's session (its PID is the group's), SIGKILL after ``grace``."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            _wait_group_gone(process.pid, wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_group_gone(pgid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    raise subprocess.TimeoutExpired(f"process group {pgid}", timeout)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def graphql(base_url: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def screenshot(url: str, png: Path, *, size=(1600, 1000), settle_ms: int = 20_000) -> bytes:
    """A headless Chromium screenshot of ``url``; its PNG bytes. ``settle_ms`` of virtual time
    let the page fetch its data and lay itself out."""
    profile = tempfile.mkdtemp(prefix="chromium-", dir=png.parent)
    command = [
        CHROMIUM,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--virtual-time-budget={settle_ms}",
        f"--screenshot={png}",
        url,
    ]
    with started(command, log=png.with_suffix(".log")) as process:
        process.wait(timeout=120)
    shutil.rmtree(profile, ignore_errors=True)
    return png.read_bytes()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# -- PostgreSQL ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    database: str

    def environment(self) -> dict[str, str]:
        """The variables deploy/regional/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.database,
        }


def postgres_bin() -> Path | None:
    """Debian's server programs (package postgresql), the newest version installed; None if
    absent, or if we are root and the ``postgres`` user the server must run as is missing."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if not found:
        return None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None
    return found[-1].parent


@contextmanager
def postgres_server(bin_dir: Path) -> Iterator[Postgres]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 and a free port, password login only.

    PostgreSQL refuses to run as root: as root (CI), the cluster belongs to the ``postgres``
    user that Debian's package creates. Its folder is made under /tmp, which that user can
    reach (pytest's own temporary folders are root's alone)."""
    owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    as_owner = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []} if owner else {}
    root = Path(tempfile.mkdtemp(prefix="sws-postgres-"))
    data, password_file = root / "data", root / "password"
    server = Postgres("127.0.0.1", free_port(), "dagster", secrets.token_hex(16), "dagster")
    password_file.write_text(server.password)
    if owner:
        os.chown(root, owner.pw_uid, owner.pw_gid)
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
    try:
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                f"--pgdata={data}",
                f"--username={server.user}",
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            **as_owner,
        )
        command = [
            str(bin_dir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(server.port),
            "-c",
            f"listen_addresses={server.host}",
            "-c",
            f"unix_socket_directories={root}",
            # a throwaway cluster: nothing to keep through a power cut
            "-c",
            "fsync=off",
        ]
        with started(command, log=root / "postgres.log", **as_owner):
            wait_until(lambda: _connects(server), timeout=60, what="PostgreSQL to accept logins")
            _create_database(server)
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _connects(server: Postgres, database: str = "postgres") -> bool:
    import psycopg2

    try:
        psycopg2.connect(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            dbname=database,
            connect_timeout=3,
        ).close()
        return True
    except psycopg2.OperationalError:
        return False


def _create_database(server: Postgres) -> None:
    import psycopg2

    con = psycopg2.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        dbname="postgres",
    )
    con.autocommit = True
    with con.cursor() as cursor:
        cursor.execute(f'create database "{server.database}"')
    con.close()
