"""Queue introspection on either broker: the figures of one queue, and the ops snapshot.

The figures come from the broker's :class:`core.ops.brokerops.BrokerOps` (Redis keys in
:mod:`core.ops.redis_ops`, AMQP and the ledger in :mod:`core.ops.rabbitmq_ops`); the
throughput of the last minute comes from the minute buckets workers write to the broker
Redis with either broker.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import redis

from core.queueing import minute_stats

if TYPE_CHECKING:
    from core.ops.brokerops import BrokerOps


@dataclass(frozen=True)
class QueueStats:
    """One queue's numbers.

    Parameters:
      name: the queue.
      pool: the workers that take from it (``worker`` or ``delivery``).
      ready: waiting to be fetched.
      delayed: waiting for their ETA (retries, delays).
      in_flight: fetched by a worker and not yet acknowledged.
      dead: dead letters kept for inspection and retry.
      oldest_age_seconds: age of the oldest ready message (queue latency), 0 when empty.
      paused: whether workers stopped taking from it.
    """

    name: str
    pool: str
    ready: int
    delayed: int
    in_flight: int
    dead: int
    oldest_age_seconds: float
    paused: bool


def last_60_s(client: redis.Redis, now: float) -> dict[str, tuple[int, int]]:
    """Per queue, (processed, failed) over the last 60 seconds: the current minute's
    bucket plus the share of the previous one the window still covers. (Reading only the
    last whole minute showed nothing for a burst until its minute had ended.)"""
    previous, current = (b["counts"] for b in minute_stats.rates(client, minutes=2, now=now))
    weight = 1 - (now % 60) / 60
    prev = minute_stats.per_queue(minute_stats.totals([previous]))
    cur = minute_stats.per_queue(minute_stats.totals([current]))
    out = {}
    for q in set(prev) | set(cur):
        p, c = prev.get(q, minute_stats.Rates()), cur.get(q, minute_stats.Rates())
        out[q] = (c.processed + round(p.processed * weight), c.failed + round(p.failed * weight))
    return out


def snapshot(ops: BrokerOps, client: redis.Redis, *, timeout_ms: int) -> dict[str, Any]:
    """Queues (with the last minute's throughput) and workers, as one JSON document;
    ``client`` is the broker Redis (minute buckets)."""
    now = time.time()
    done = last_60_s(client, now)
    queues = []
    for q in ops.queue_stats():
        processed, failed = done.get(q.name, (0, 0))
        queues.append(
            {
                **asdict(q),
                "processed_last_minute": processed,
                "failed_last_minute": failed,
            }
        )
    return {
        "queues": queues,
        "workers": ops.workers(timeout_ms=timeout_ms),
        "ts": time.time(),
    }
