"""Services of its own for each pytest-xdist worker past the first (``make test`` runs three).

Worker ``gw0`` (and a run without xdist) uses the private services of ``make test`` as they
are. Worker ``gwN`` (N ≥ 1) gets, before any fixture runs:

- a database of its own on the same PostgreSQL server (``<test db>_wN``, created here;
  the session's ``engine`` fixture builds its schema as usual);
- a broker and a cache Redis of its own, started here with the flags ``scripts/services.sh``
  gives the shared ones. Separate databases of one server would not do: Redis pub/sub
  ignores the database number, and the realtime tests count the events they receive;
- a RabbitMQ vhost of its own on the shared node (``saleshub_test_wN``, declared by
  ``scripts/services.sh``), so one worker's queue purge never empties the other's.

The ``TEST_*`` variables are rewritten in ``os.environ``, so the fixtures and every process
a test starts read this worker's services without knowing about xdist.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
# The vhosts scripts/services.sh declares for workers gw1.. (it declares saleshub_test_w1
# to saleshub_test_w3; more workers than that need more there).
MAX_WORKER = 3

BROKER_FLAGS = ("--maxmemory-policy", "noeviction", "--appendonly", "yes",
                "--appendfsync", "everysec")  # fmt: skip
CACHE_FLAGS = ("--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--save", "",
               "--appendonly", "no")  # fmt: skip


def worker_index() -> int:
    """0 for ``gw0`` and for a run without xdist, N for ``gwN``."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") else 0


def rabbitmq_vhost_url(url: str) -> str:
    """``url`` on this worker's vhost (``saleshub_test`` for worker 0)."""
    index = worker_index()
    if index == 0 or not url:
        return url
    base, _, vhost = url.rpartition("/")
    return f"{base}/{vhost}_w{index}"


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    """A lock shared by the xdist workers of this checkout (a file under ``var/``)."""
    folder = ROOT / "var"
    folder.mkdir(exist_ok=True)
    with (folder / f".{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class WorkerServices:
    """The Redis servers started for one worker; ``stop()`` ends them."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.folder = Path(tempfile.mkdtemp(prefix="saleshub-xdist-"))

    def isolate(self) -> None:
        index = worker_index()
        if index == 0:
            return
        if index > MAX_WORKER:
            raise RuntimeError(f"at most {MAX_WORKER + 1} xdist workers (tests/support/xdist.py)")
        os.environ["TEST_DATABASE_URL"] = _own_database(os.environ["TEST_DATABASE_URL"], index)
        os.environ["TEST_BROKER_URL"] = self._redis("broker", BROKER_FLAGS)
        os.environ["TEST_CACHE_URL"] = self._redis("cache", CACHE_FLAGS)
        if os.environ.get("TEST_RABBITMQ_URL"):
            os.environ["TEST_RABBITMQ_URL"] = rabbitmq_vhost_url(os.environ["TEST_RABBITMQ_URL"])

    def _redis(self, role: str, flags: tuple[str, ...]) -> str:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed (make test installs it)")
        folder = self.folder / role
        folder.mkdir()
        port = _free_port()
        proc = subprocess.Popen(  # nosec B603: our own redis-server, loopback only
            [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
             "--daemonize", "no", *flags],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.procs.append(proc)
        url = f"redis://127.0.0.1:{port}/1"
        deadline = time.monotonic() + 15
        while True:
            try:
                with redis.Redis.from_url(url, socket_connect_timeout=0.2) as client:
                    client.ping()
                return url
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _own_database(url: str, index: int) -> str:
    parsed = make_url(url)
    name = f"{parsed.database}_w{index}"
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return parsed.set(database=name).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
