"""Queue introspection read straight from the broker's keys (Dramatiq has no depth metric).

Key layout (FACTS.md): ``ns:<q>`` list of ready ids, ``ns:<q>.msgs`` hash of queued and
in-flight payloads, ``ns:<q>.DQ.msgs`` delayed payloads, ``ns:<q>.XQ`` dead-letter zset,
``ns:__heartbeats__`` worker heartbeats, ``ns:__acks__.<worker>.<q>`` fetched-not-acked
sets. Everything is O(1) per queue and worker except the oldest-message lookup (one HGET).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import orjson
import redis

from core.queueing import minute_stats
from core.queueing.heartbeat import WORKERS_KEY
from core.queueing.pause import PAUSED_KEY
from core.queueing.queues import Queue


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
            pipe.scard(f"{namespace}:__acks__.{worker_id}.{q.value}")
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


def snapshot(client: redis.Redis, namespace: str, *, timeout_ms: int) -> dict[str, Any]:
    """Queues (with the last whole minute's throughput) and workers, as one JSON document."""
    now = time.time()
    done = last_60_s(client, now)
    queues = []
    for q in queue_stats(client, namespace):
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
        "workers": workers(client, namespace, timeout_ms=timeout_ms),
        "ts": time.time(),
    }
