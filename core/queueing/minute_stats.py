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

from core.queueing import latency
from core.queueing.flusher import PeriodicFlush

log = logging.getLogger(__name__)

PREFIX = "saleshub:stats:"
HOUR_PREFIX = "saleshub:stats:hr:"
RETENTION_S = 14 * 86400
# Hour buckets outlive the oldest hour a 14-day chart shows.
HOUR_RETENTION_S = RETENTION_S + 2 * 3600
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


def hour_key(hour: int) -> str:
    """The hash holding one hour's counters (``hour`` = epoch seconds // 3600)."""
    return f"{HOUR_PREFIX}{hour}"


def add_counts(
    client: redis.Redis,
    counts: Counter[str],
    minute: int,
    histograms: Counter[str] | None = None,
) -> None:
    """Add ``counts`` (and latency ``histograms``) to the buckets of ``minute`` and of
    its hour."""
    if not counts and not histograms:
        return
    pipe = client.pipeline(transaction=False)
    hour = minute // 60
    for key, values, ttl in (
        (bucket_key(minute), counts, RETENTION_S),
        (hour_key(hour), counts, HOUR_RETENTION_S),
        (f"{latency.MINUTE_PREFIX}{minute}", histograms, RETENTION_S),
        (f"{latency.HOUR_PREFIX}{hour}", histograms, HOUR_RETENTION_S),
    ):
        if not values:
            continue
        for name, n in values.items():
            pipe.hincrby(key, name, n)
        pipe.expire(key, ttl)
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
        self._hist: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._local.started = time.perf_counter()
        # Commit→start, for first attempts only: a retry's wait is its backoff.
        first = not message.options.get("retries")
        stamp = message.message_timestamp
        self._local.wait_ms = time.time() * 1000 - stamp if first and stamp else None

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
        wait_ms = getattr(self._local, "wait_ms", None)
        with self._lock:
            self._counts[field(queue, actor, "processed" if exception is None else "failed")] += 1
            self._counts[field(queue, actor, "ms")] += ms
            self._hist[latency.field(queue, actor, "run", ms)] += 1
            if wait_ms is not None:
                self._hist[latency.field(queue, actor, "wait", wait_ms)] += 1

    def flush(self, client: redis.Redis) -> None:
        with self._lock:
            counts, self._counts = self._counts, Counter()
            hist, self._hist = self._hist, Counter()
        try:
            add_counts(client, counts, int(time.time() // 60), hist)
        except redis.RedisError:
            log.warning("could not flush job stats; %d counters dropped", len(counts))
