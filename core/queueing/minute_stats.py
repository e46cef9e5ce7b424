"""Throughput, failures and durations per queue and actor, in minute buckets in Redis.

Counted in memory by each worker process and flushed once a second in one pipeline, so
the hot path pays a dict update, not a Redis round trip. Buckets live two weeks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import Any

import redis
from dramatiq import Broker
from dramatiq.broker import MessageProxy

from core.queueing.flusher import PeriodicFlush

log = logging.getLogger(__name__)

PREFIX = "saleshub:stats:"
RETENTION_S = 14 * 86400


def bucket_key(minute: int) -> str:
    """The hash holding one minute's counters (``minute`` = epoch seconds // 60)."""
    return f"{PREFIX}{minute}"


def add_counts(client: redis.Redis, counts: Counter[str], minute: int) -> None:
    """Add ``counts`` to the bucket of ``minute``."""
    if not counts:
        return
    pipe = client.pipeline(transaction=False)
    key = bucket_key(minute)
    for field, n in counts.items():
        pipe.hincrby(key, field, n)
    pipe.expire(key, RETENTION_S)
    pipe.execute()


def rates(
    client: redis.Redis, *, minutes: int = 60, now: float | None = None
) -> list[dict[str, Any]]:
    """Per minute (oldest first): counters by ``queue|actor|processed|failed|ms``."""
    now = time.time() if now is None else now
    last = int(now // 60)
    pipe = client.pipeline(transaction=False)
    for m in range(last - minutes + 1, last + 1):
        pipe.hgetall(bucket_key(m))
    out = []
    for m, raw in zip(range(last - minutes + 1, last + 1), pipe.execute(), strict=True):
        out.append({"minute": m * 60, "counts": {k.decode(): int(v) for k, v in raw.items()}})
    return out


class Stats(PeriodicFlush):
    """Count processed and failed messages and their run time per queue and actor.

    Parameters:
      enabled: off on brokers without a Redis client (tests with StubBroker).
    """

    thread_name = "stats"

    def __init__(self, enabled: bool = True) -> None:
        super().__init__(enabled=enabled, interval=1.0)
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._local.started = time.perf_counter()

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        started = getattr(self._local, "started", None)
        ms = int((time.perf_counter() - started) * 1000) if started else 0
        base = f"{message.queue_name.removesuffix('.DQ')}|{message.actor_name}|"
        with self._lock:
            self._counts[base + ("failed" if exception is not None else "processed")] += 1
            self._counts[base + "ms"] += ms

    def flush(self, client: redis.Redis) -> None:
        with self._lock:
            counts, self._counts = self._counts, Counter()
        try:
            add_counts(client, counts, int(time.time() // 60))
        except redis.RedisError:
            log.warning("could not flush job stats; %d counters dropped", len(counts))
