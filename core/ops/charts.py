"""The console's charts: throughput, latency and depth per queue, for the last hour (one
point a minute) or the last 14 days (one point an hour), read from the Redis buckets that
workers (:mod:`core.queueing.minute_stats`, :mod:`core.queueing.latency`) and the
scheduler (:func:`sample_depth`) write. Every queue of :data:`core.queueing.queues.NAMES`
is listed, with zeros where nothing ran.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Literal

import redis

from core.ops.introspection import QueueStats
from core.queueing import latency, minute_stats
from core.queueing.queues import NAMES

Range = Literal["hour", "14d"]
DEPTH_PREFIX = "saleshub:depth:"
DEPTH_HOUR_PREFIX = "saleshub:depth:hr:"
_SPANS: dict[str, tuple[int, int]] = {"hour": (60, 60), "14d": (3600, 14 * 24)}


def sample_depth(client: redis.Redis, stats: list[QueueStats], now: float | None = None) -> None:
    """Record every queue's depth (ready + delayed + in flight, from ``stats``: the broker's
    :meth:`~core.ops.brokerops.BrokerOps.queue_stats`) for this minute, and the hour's
    highest, so depth has a history beyond a console page's life."""
    now = time.time() if now is None else now
    minute, hour = int(now // 60), int(now // 3600)
    depths: dict[Any, Any] = {q.name: q.ready + q.delayed + q.in_flight for q in stats}
    hour_key = f"{DEPTH_HOUR_PREFIX}{hour}"
    highest: Any = client.hgetall(hour_key)
    pipe = client.pipeline(transaction=False)
    pipe.hset(f"{DEPTH_PREFIX}{minute}", mapping=depths)
    pipe.expire(f"{DEPTH_PREFIX}{minute}", minute_stats.RETENTION_S)
    peak: dict[Any, Any] = {q: max(d, int(highest.get(q.encode(), 0))) for q, d in depths.items()}
    pipe.hset(hour_key, mapping=peak)
    pipe.expire(hour_key, minute_stats.HOUR_RETENTION_S)
    pipe.execute()


def _decode(raw: Mapping[bytes, bytes]) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in raw.items()}


def _p(hist: latency.Histogram | None, q: float) -> float | None:
    return None if hist is None else latency.quantile(hist, q)


def charts(client: redis.Redis, span: Range = "hour", now: float | None = None) -> dict[str, Any]:
    """Throughput (done, failed), latency (wait and run p50/p95) and depth per queue, one
    point per step, oldest first; and per actor, the same figures over the whole span."""
    now = time.time() if now is None else now
    step, points = _SPANS[span]
    last = int(now // step)
    slots = list(range(last - points + 1, last + 1))
    if span == "hour":
        prefixes = (minute_stats.PREFIX, latency.MINUTE_PREFIX, DEPTH_PREFIX)
    else:
        prefixes = (minute_stats.HOUR_PREFIX, latency.HOUR_PREFIX, DEPTH_HOUR_PREFIX)
    pipe = client.pipeline(transaction=False)
    for prefix in prefixes:
        for slot in slots:
            pipe.hgetall(f"{prefix}{slot}")
    replies = [_decode(r) for r in pipe.execute()]
    counts, hists, depths = (replies[i * points : (i + 1) * points] for i in range(3))

    throughput = {q: {"done": [0] * points, "failed": [0] * points} for q in NAMES}
    lat: dict[str, dict[str, list[float | None]]] = {
        q: {k: [None] * points for k in ("wait_p50", "wait_p95", "run_p50", "run_p95")}
        for q in NAMES
    }
    depth: dict[str, list[int | None]] = {q: [None] * points for q in NAMES}
    for i in range(points):
        for q, r in minute_stats.per_queue(minute_stats.totals([counts[i]])).items():
            if q in throughput:
                throughput[q]["done"][i] = r.processed
                throughput[q]["failed"][i] = r.failed
        per_queue: dict[tuple[str, str], latency.Histogram] = {}
        for (q, _actor, kind), h in latency.merge([hists[i]]).items():
            latency.add(per_queue.setdefault((q, kind), [0] * len(h)), h)
        for (q, kind), h in per_queue.items():
            if q in lat:
                lat[q][f"{kind}_p50"][i] = latency.quantile(h, 0.5)
                lat[q][f"{kind}_p95"][i] = latency.quantile(h, 0.95)
        for q, d in depths[i].items():
            if q in depth:
                depth[q][i] = d

    by_actor = minute_stats.totals(counts)
    actor_hists = latency.merge(hists)
    actors = []
    for queue, actor in sorted(set(by_actor) | {(q, a) for q, a, _ in actor_hists}):
        r = by_actor.get((queue, actor), minute_stats.Rates())
        wait, run = actor_hists.get((queue, actor, "wait")), actor_hists.get((queue, actor, "run"))
        actors.append(
            {
                "queue": queue,
                "actor": actor,
                "done": r.processed,
                "failed": r.failed,
                "wait_p50": _p(wait, 0.5),
                "wait_p95": _p(wait, 0.95),
                "run_p50": _p(run, 0.5),
                "run_p95": _p(run, 0.95),
            }
        )
    return {
        "range": span,
        "step_s": step,
        "t": [slot * step for slot in slots],
        "queues": list(NAMES),
        "throughput": throughput,
        "latency": lat,
        "depth": depth,
        "actors": actors,
    }
