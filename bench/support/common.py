"""Shared bench helpers: environment, JSON figures, subprocesses, Redis namespace cleanup.

Importing this module puts the repository root on ``sys.path`` and loads ``.env`` for any
URL not already in the environment.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
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
) -> None:
    """Print one figure as one JSON line (``ratio`` = value / baseline when both exist)."""
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
        """SIGTERM the process group we started (it is its own session), then SIGKILL."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the group id is the child's pid
        if proc.poll() is None:
            _signal_group(pgid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever of the group is left (e.g. Dramatiq's forked workers): kill it.
        _signal_group(pgid, signal.SIGKILL)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

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
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def pipelined_enqueue(
    broker: Any, messages: Iterable[Any], *, chunk: int = 1000
) -> list[str]:
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
        msg = Message(**{**message.asdict(), "options": {**message.options, "redis_message_id": rid}})
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
    k = max(0, min(len(sorted_values) - 1, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]
