"""The ops views on the Redis broker: queue figures and workers from Dramatiq's keys.

Key layout (FACTS.md): ``ns:<q>`` list of ready ids, ``ns:<q>.msgs`` hash of queued and
in-flight payloads, ``ns:<q>.DQ.msgs`` delayed payloads, ``ns:<q>.XQ`` dead-letter zset,
``ns:__heartbeats__`` worker heartbeats, ``ns:__acks__.<worker>.<q>`` fetched-not-acked
sets. Everything is O(1) per queue and worker except the oldest-message lookup (one HGET).
Moved unchanged from ``core/ops/introspection.py`` (docs/decisions/0024).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
import redis

from core.ops import redis_deadletters
from core.ops.deadletters import DeadLetter, Position
from core.ops.introspection import QueueStats
from core.queueing import pause
from core.queueing.acks import ack_set_key
from core.queueing.heartbeat import WORKERS_KEY
from core.queueing.pause import PAUSED_KEY
from core.queueing.queues import Queue


def queue_stats(client: redis.Redis, namespace: str) -> list[QueueStats]:
    """The numbers of every queue, from one pipeline round trip (plus one per oldest id)."""
    pipe = client.pipeline(transaction=False)
    for q in Queue:
        base = f"{namespace}:{q.value}"
        pipe.llen(base)
        pipe.hlen(f"{base}.msgs")
        pipe.hlen(f"{base}.DQ.msgs")
        pipe.zcard(f"{base}.XQ")
        pipe.lindex(base, 0)
    pipe.smembers(PAUSED_KEY)
    replies = pipe.execute()
    paused = {p.decode() for p in replies[-1]}
    now_ms = time.time() * 1000
    out = []
    for i, q in enumerate(Queue):
        ready, msgs, delayed, dead, oldest_id = replies[i * 5 : i * 5 + 5]
        age = 0.0
        if oldest_id is not None:
            raw: Any = client.hget(f"{namespace}:{q.value}.msgs", oldest_id)
            if raw:
                ts = orjson.loads(raw).get("message_timestamp", now_ms)
                age = max(0.0, (now_ms - ts) / 1000)
        out.append(
            QueueStats(
                name=q.value,
                pool=q.pool.value,
                ready=ready,
                delayed=delayed,
                in_flight=max(0, msgs - ready),
                dead=dead,
                oldest_age_seconds=round(age, 3),
                paused=q.value in paused,
            )
        )
    return out


def workers(client: redis.Redis, namespace: str, *, timeout_ms: int) -> list[dict[str, Any]]:
    """Live workers: id, host, pid, queues, in-flight count and last heartbeat."""
    beats: Any = client.zrange(f"{namespace}:__heartbeats__", 0, -1, withscores=True)
    info: Any = client.hgetall(WORKERS_KEY)
    now_ms = time.time() * 1000
    pipe = client.pipeline(transaction=False)
    live = []
    for raw_id, score in beats:
        worker_id = raw_id.decode()
        if worker_id not in {k.decode() for k in info} or now_ms - score > timeout_ms:
            continue  # producers (web, relay) heartbeat too; only registered workers count
        live.append((worker_id, score))
        for q in Queue:
            pipe.scard(ack_set_key(namespace, worker_id, q.value))
    counts = pipe.execute()
    out = []
    for i, (worker_id, score) in enumerate(live):
        meta = orjson.loads(info[worker_id.encode()])
        in_flight = sum(counts[i * len(Queue) : (i + 1) * len(Queue)])
        out.append(
            {
                **meta,
                "id": worker_id,
                "in_flight": in_flight,
                "last_heartbeat_age_seconds": round((now_ms - score) / 1000, 3),
            }
        )
    return out


class RedisOps:
    """Queue figures, workers, dead letters and pause on the Redis broker.

    Parameters:
      client: the broker Redis.
      namespace: Dramatiq's key prefix (``BROKER_NAMESPACE``).
    """

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    def queue_stats(self) -> list[QueueStats]:
        """Every queue's figures."""
        return queue_stats(self.client, self.namespace)

    def workers(self, *, timeout_ms: int) -> list[dict[str, Any]]:
        """Live workers, each with its fetched-not-acked count."""
        return workers(self.client, self.namespace, timeout_ms=timeout_ms)

    def page(
        self,
        *,
        limit: int,
        after: Position | None = None,
        max_scanned: int = 20_000,
        **filters: Any,
    ) -> tuple[list[DeadLetter], Position | None]:
        """A page of dead letters, newest first, and where to go on from."""
        return redis_deadletters.page(
            self.client,
            self.namespace,
            limit=limit,
            after=after,
            max_scanned=max_scanned,
            **filters,
        )

    def count(self, **filters: Any) -> int:
        """How many dead letters match ``filters``."""
        return redis_deadletters.count(self.client, self.namespace, **filters)

    def matching(self, **filters: Any) -> Iterator[DeadLetter]:
        """Every dead letter matching ``filters``, in no order."""
        return redis_deadletters.matching(self.client, self.namespace, **filters)

    def find(self, **filters: Any) -> list[DeadLetter]:
        """Dead letters matching ``filters``, newest first."""
        return redis_deadletters.find(self.client, self.namespace, **filters)

    def get(self, message_id: str, *, queue: str | None, redis_id: str | None) -> DeadLetter | None:
        """The dead letter of ``message_id``, or None."""
        return redis_deadletters.get(
            self.client, self.namespace, message_id, queue=queue, redis_id=redis_id
        )

    def remove(self, letters: list[DeadLetter]) -> int:
        """Delete ``letters``; return how many were removed."""
        return redis_deadletters.remove(self.client, self.namespace, letters)

    def pause(self, queue: str) -> bool:
        """Pause ``queue`` (our Redis consumer stops fetching); False if it was already."""
        return pause.pause(self.client, queue)

    def resume(self, queue: str) -> bool:
        """Resume ``queue``; False if it was not paused."""
        return pause.resume(self.client, queue)
