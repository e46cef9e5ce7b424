"""Long-lived loops (relay, lease, ledger writer) that restart with backoff when they raise.

A loop catches the failures it expects (a dependency down) itself; anything else used to
end its thread silently while the process looked healthy. :func:`run_supervised` logs it
with its traceback, counts it in :data:`RESTARTS` and, once a process called
:func:`report_restarts_to`, in a Redis hash every process adds to (``RESTARTS_KEY``, loop
name → restarts), which ``/metrics`` reads as ``saleshub_loop_restarts_total{loop=…}``;
then it waits and starts the loop again. A restart counted while Redis is down is added
on the next restart or :func:`flush_restarts` call (the relay's heartbeat makes one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)

# Restarts per loop name, every process added together (a Redis hash on the broker).
RESTARTS_KEY = "saleshub:loops:restarts"
# Restarts per loop name in this process.
RESTARTS: Counter[str] = Counter()
_lock = threading.Lock()
_unreported: Counter[str] = Counter()
_client: redis.Redis | None = None


def report_restarts_to(client: redis.Redis | None) -> None:
    """Add this process's loop restarts to ``RESTARTS_KEY`` on ``client`` from now on."""
    global _client
    _client = client


def flush_restarts() -> None:
    """Add the restarts not yet reported to Redis; kept for the next call if it is down."""
    client = _client
    with _lock:
        if client is None or not _unreported:
            return
        pending = dict(_unreported)
        _unreported.clear()
    try:
        pipe = client.pipeline(transaction=False)
        for name, count in pending.items():
            pipe.hincrby(RESTARTS_KEY, name, count)
        pipe.execute()
    except (redis.RedisError, OSError):
        with _lock:
            _unreported.update(pending)


def read_restarts(client: redis.Redis) -> dict[str, int]:
    """Restarts per loop name, every process added together."""
    raw: dict[bytes, bytes] = client.hgetall(RESTARTS_KEY)  # type: ignore[assignment]
    return {k.decode(): int(v) for k, v in raw.items()}


def run_supervised(
    name: str,
    loop: Callable[[], None],
    *,
    stopping: threading.Event | None = None,
    first_backoff_s: float = 0.5,
    max_backoff_s: float = 30.0,
    healthy_after_s: float = 60.0,
) -> None:
    """Run ``loop`` until it returns (it was asked to stop), restarting it when it raises.

    Parameters:
      name: the loop's name in logs and :data:`RESTARTS`.
      loop: the loop; returning means "stopped on purpose".
      stopping: set to end the backoff wait early and not restart.
      first_backoff_s, max_backoff_s: the wait doubles from the first to the most.
      healthy_after_s: a loop that ran this long before raising starts from the first wait.
    """
    backoff = first_backoff_s
    while stopping is None or not stopping.is_set():
        started = time.monotonic()
        try:
            loop()
            return
        except Exception:
            # Swallowed on purpose: this is the supervisor. The crash is logged with its
            # traceback and counted, and the loop restarts after a backoff.
            with _lock:
                RESTARTS[name] += 1
                _unreported[name] += 1
                count = RESTARTS[name]
            if time.monotonic() - started >= healthy_after_s:
                backoff = first_backoff_s
            log.exception("%s loop crashed (restart %d); restarting in %.1fs", name, count, backoff)
            flush_restarts()
        if stopping is not None:
            if stopping.wait(backoff):
                return
        else:
            time.sleep(backoff)
        backoff = min(backoff * 2, max_backoff_s)


def restarts(name: str) -> int:
    """How many times the loop ``name`` was restarted in this process."""
    with _lock:
        return RESTARTS[name]
