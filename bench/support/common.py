"""Shared bench helpers: environment, JSON figures, subprocesses, Redis namespace cleanup.

Importing this module puts the repository root on ``sys.path`` and loads ``.env`` for any
URL not already in the environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_URLS = ("DATABASE_URL", "BROKER_URL", "CACHE_URL")


def load_env() -> None:
    """Fill missing ``DATABASE_URL``/``BROKER_URL``/``CACHE_URL`` from ``.env``."""
    if all(os.environ.get(k) for k in _URLS):
        return
    from dotenv import dotenv_values

    values = dotenv_values(ROOT / ".env")
    for key, value in values.items():
        if value is not None and not os.environ.get(key):
            os.environ[key] = value
    missing = [k for k in _URLS if not os.environ.get(k)]
    if missing:
        raise SystemExit(f"bench: {', '.join(missing)} not set and not in .env")


def emit(
    figure: str,
    value: float | None,
    unit: str,
    target: str | float | None = None,
    baseline: float | None = None,
    *,
    detail: bool = False,
) -> None:
    """Print one figure as one JSON line (``ratio`` = value / baseline when both exist).

    A ``detail`` figure (a breakdown) is printed only after :func:`show_detail`.
    """
    if detail and not _SHOW_DETAIL:
        return
    ratio = round(value / baseline, 3) if value is not None and baseline else None
    if isinstance(value, float):
        value = round(value, 3 if abs(value) < 100 else 1)
    if isinstance(baseline, float):
        baseline = round(baseline, 3 if abs(baseline) < 100 else 1)
    line = {
        "figure": figure,
        "value": value,
        "unit": unit,
        "target": target,
        "baseline": baseline,
        "ratio": ratio,
    }
    print(json.dumps(line), flush=True)


_SHOW_DETAIL: list[bool] = []


def show_detail() -> None:
    """Print the breakdown figures too."""
    _SHOW_DETAIL.append(True)


def note(text: str) -> None:
    """Progress to stderr (stdout carries only the JSON figures)."""
    print(f"# {text}", file=sys.stderr, flush=True)


def with_redis_db(url: str, db: int) -> str:
    """``url`` with its database number replaced by ``db``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def with_pg_db(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@dataclass(frozen=True)
class BenchStack:
    """A bench's own PostgreSQL database, Redis database and broker namespace, and the
    environment its subprocesses (workers, relay, web) run with."""

    broker_url: str
    cache_url: str
    database_url: str
    env: dict[str, str]


def bench_stack(namespace: str, database: str, redis_db: int, **extra: str) -> BenchStack:
    """The bench's URLs from the project's (``.env``), with ``extra`` settings on top."""
    broker_url = with_redis_db(os.environ["BROKER_URL"], redis_db)
    cache_url = with_redis_db(os.environ["CACHE_URL"], redis_db)
    database_url = with_pg_db(os.environ["DATABASE_URL"], database)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "BROKER_URL": broker_url,
        "BROKER_NAMESPACE": namespace,
        "CACHE_URL": cache_url,
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    return BenchStack(broker_url, cache_url, database_url, env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flush_namespace(client: Any, namespace: str) -> int:
    """Delete the keys ``<namespace>:*`` with SCAN + UNLINK (never KEYS, never FLUSH*)."""
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"{namespace}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += client.unlink(*batch)
            batch = []
    if batch:
        deleted += client.unlink(*batch)
    return deleted


class Deadline:
    """The whole run's time budget."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, what: str) -> None:
        if self.left() <= 0:
            raise TimeoutError(f"time budget exhausted during {what}")


def wait_until(
    predicate: Callable[[], Any],
    *,
    timeout: float,
    interval: float = 0.01,
    what: str = "condition",
) -> Any:
    """Poll ``predicate`` until truthy; raise ``TimeoutError`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError(f"{what} not reached within {timeout:.0f}s")
        time.sleep(interval)


class Processes:
    """Subprocesses started by the bench, each in its own session; all stopped at exit."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def stop(self, name: str, timeout: float = 15.0) -> None:
        """SIGTERM the process we started, then SIGKILL what is left of its group."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the group id is the child's pid
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the leader stops its own children
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)
        # Whatever of the group is left (e.g. Dramatiq's forked workers): kill it.
        _signal_group(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def tail(self, name: str, lines: int = 20) -> str:
        path = self.log_dir / f"{name}.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def pipelined_enqueue(broker: Any, messages: Iterable[Any], *, chunk: int = 1000) -> list[str]:
    """Enqueue Dramatiq messages with the broker's own ``enqueue`` script, pipelined.

    Equivalent to ``broker.enqueue`` (a fresh ``redis_message_id`` each) without one round
    trip per message; no middleware runs, exactly as for our relay.
    """
    from dramatiq import Message

    script = broker.scripts["dispatch"]
    ids: list[str] = []
    pipe = broker.client.pipeline(transaction=False)
    pending = 0
    for message in messages:
        rid = str(uuid.uuid4())
        options = {**message.options, "redis_message_id": rid}
        msg: Message[Any] = Message(**{**message.asdict(), "options": options})
        script(
            keys=[broker.namespace],
            args=[
                "enqueue",
                int(time.time() * 1000),
                msg.queue_name,
                broker.broker_id,
                broker.heartbeat_timeout,
                broker.dead_message_ttl,
                0,
                broker._max_unpack_size(),
                rid,
                msg.encode(),
            ],
            client=pipe,
        )
        ids.append(rid)
        pending += 1
        if pending >= chunk:
            pipe.execute()
            pending = 0
    if pending:
        pipe.execute()
    return ids


def percentile(sorted_values: list[float], q: float) -> float | None:
    """The ``q`` (0..1) percentile of already sorted values, nearest-rank."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: str) -> tuple[int, int, float] | None:
    """(ppid, pgrp, cpu seconds) of one process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode(errors="replace")
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICK


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def machine_busy_s() -> float:
    """CPU seconds the whole machine spent busy (all cores) since boot."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return (sum(parts[:8]) - idle) / _TICK


class CpuMeter:
    """CPU seconds used by groups of processes between :meth:`start` and :meth:`stop`.

    Groups: ``pgids`` maps a name to a process group (one we started, its own session);
    ``cmd_contains`` maps a name to a substring of the command line (PostgreSQL backends
    show their database in it; Redis its address). Processes that exit in between are
    not counted, so meter only while they run.
    """

    def __init__(self, pgids: dict[str, int], cmd_contains: dict[str, str]) -> None:
        self.pgids = pgids
        self.cmd_contains = cmd_contains
        self.before: dict[str, dict[str, float]] = {}
        self.busy0 = 0.0
        self.wall0 = 0.0
        self.own0 = 0.0

    def _sample(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {name: {} for name in [*self.pgids, *self.cmd_contains]}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            st = _proc_stat(pid)
            if st is None:
                continue
            _, pgrp, cpu = st
            for name, pgid in self.pgids.items():
                if pgrp == pgid:
                    out[name][pid] = cpu
            if self.cmd_contains:
                cmd = _cmdline(pid)
                for name, needle in self.cmd_contains.items():
                    if needle in cmd:
                        out[name][pid] = cpu
        return out

    def start(self) -> None:
        self.before = self._sample()
        self.busy0 = machine_busy_s()
        self.wall0 = time.monotonic()
        self.own0 = time.process_time()

    def stop(self) -> dict[str, float]:
        """CPU seconds per group, plus ``self`` (this process), ``machine`` and ``wall``."""
        after = self._sample()
        out = {}
        for name, procs in after.items():
            prev = self.before.get(name, {})
            out[name] = sum(cpu - prev.get(pid, 0.0) for pid, cpu in procs.items())
        out["self"] = time.process_time() - self.own0
        out["machine"] = machine_busy_s() - self.busy0
        out["wall"] = time.monotonic() - self.wall0
        out["other"] = max(
            0.0, out["machine"] - sum(v for k, v in out.items() if k not in ("machine", "wall"))
        )
        return out


def prepare_database(name: str) -> str:
    """Create the database ``name`` beside ``DATABASE_URL``'s if missing, migrate it to
    head, and return its URL."""
    import psycopg

    admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            note(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    url = with_pg_db(os.environ["DATABASE_URL"], name)
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        timeout=60,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return url
