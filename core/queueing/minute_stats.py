"""Throughput, failures and durations per queue and actor, in minute buckets in Redis.

Counted in memory by each worker process and flushed once a second in one pipeline, so
the hot path pays a dict update, not a Redis round trip. Buckets live two weeks.

A bucket is a hash of counters named ``queue|actor|kind`` (kind: ``processed``,
``failed`` or ``ms``); :func:`field` writes those names and :func:`totals` reads them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import redis
from dramatiq import Broker
from dramatiq.broker import MessageProxy

from core.queueing.flusher import PeriodicFlush

log = logging.getLogger(__name__)

PREFIX = "saleshub:stats:"
RETENTION_S = 14 * 86400
Kind = Literal["processed", "failed", "ms"]


@dataclass
class Rates:
    """Counts of one queue (or one actor on it) over some minutes.

    Parameters:
      processed: messages that ran without raising.
      failed: messages whose actor raised.
      ms: milliseconds spent running them.
    """

    processed: int = 0
    failed: int = 0
    ms: int = 0


def field(queue: str, actor: str, kind: Kind) -> str:
    """The counter of ``kind`` for ``actor`` on ``queue`` in a bucket."""
    return f"{queue}|{actor}|{kind}"


def totals(buckets: Iterable[Mapping[str, int]]) -> dict[tuple[str, str], Rates]:
    """The counters of ``buckets`` (as in :func:`rates`) summed per (queue, actor)."""
    out: dict[tuple[str, str], Rates] = {}
    for counts in buckets:
        for name, n in counts.items():
            queue, actor, kind = name.split("|")
            rates = out.setdefault((queue, actor), Rates())
            setattr(rates, kind, getattr(rates, kind) + n)
    return out


def per_queue(by_actor: Mapping[tuple[str, str], Rates]) -> dict[str, Rates]:
    """Per-actor :func:`totals` summed per queue."""
    out: dict[str, Rates] = {}
    for (queue, _actor), r in by_actor.items():
        q = out.setdefault(queue, Rates())
        q.processed, q.failed, q.ms = q.processed + r.processed, q.failed + r.failed, q.ms + r.ms
    return out


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
        queue, actor = message.queue_name.removesuffix(".DQ"), message.actor_name
        with self._lock:
            self._counts[field(queue, actor, "processed" if exception is None else "failed")] += 1
            self._counts[field(queue, actor, "ms")] += ms

    def flush(self, client: redis.Redis) -> None:
        with self._lock:
            counts, self._counts = self._counts, Counter()
        try:
            add_counts(client, counts, int(time.time() // 60))
        except redis.RedisError:
            log.warning("could not flush job stats; %d counters dropped", len(counts))
