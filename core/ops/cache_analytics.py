"""The console's cache analytics: hit rate, stale serves and lock waits per namespace over
time, lookup latency, memory and the platform's hottest keys, from the counters every
process flushes (:mod:`core.cache.stats`)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, Literal

import redis

from core.cache.stats import BUCKETS_MS, Stats, summarize

Range = Literal["hour", "14d"]
_SPANS: dict[str, tuple[int, int]] = {"hour": (60, 60), "14d": (3600, 14 * 24)}


def _fields(raw: Any) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in raw.items()}


def analytics(
    client: redis.Redis,
    stats: Stats,
    span: Range = "hour",
    *,
    now: float | None = None,
    top: int = 20,
) -> dict[str, Any]:
    """Per namespace and point (oldest first): hit rate, lookups, stale serves and lock
    waits; over the span: the latency histogram; now: keys, memory, the hottest keys."""
    now = time.time() if now is None else now
    step, points = _SPANS[span]
    last = int(now // step)
    slots = list(range(last - points + 1, last + 1))
    name = stats.minute_key if span == "hour" else stats.hour_key
    hour = int(now // 3600)
    pipe = client.pipeline(transaction=False)
    for slot in slots:
        pipe.hgetall(name(slot))
    pipe.zunionstore(stats.hot_key(hour) + ":view", [stats.hot_key(hour - 1), stats.hot_key(hour)])
    pipe.zrevrange(stats.hot_key(hour) + ":view", 0, top - 1, withscores=True)
    pipe.delete(stats.hot_key(hour) + ":view")
    pipe.info("memory")
    pipe.info("stats")
    pipe.dbsize()
    *buckets, _, hot, _, memory, info, keys = pipe.execute()
    docs = [summarize(_fields(b)) for b in buckets]
    namespaces = sorted({ns for d in docs for ns in d["namespaces"]})
    series: dict[str, dict[str, list[Any]]] = {
        ns: {"hit_rate": [], "lookups": [], "stale": [], "lock_waits": [], "misses": []}
        for ns in namespaces
    }
    latency: Counter[str] = Counter()
    for d in docs:
        latency.update(d["latency_ms"]["buckets"])
        for ns in namespaces:
            c = d["namespaces"].get(ns)
            s = series[ns]
            s["hit_rate"].append(c["hit_rate"] if c else None)
            s["lookups"].append(c["hits"] + c["stale"] + c["misses"] if c else 0)
            s["stale"].append(c["stale"] if c else 0)
            s["lock_waits"].append(c["lock_waits"] if c else 0)
            s["misses"].append(c["misses"] if c else 0)
    hottest = []
    for member, score in hot:
        org, _, key = member.decode().partition("|")
        hottest.append({"org_id": int(org), "key": key, "hits": round(score)})
    bounds = [*map(str, BUCKETS_MS), "+Inf"]
    return {
        "range": span,
        "step_s": step,
        "t": [slot * step for slot in slots],
        "namespaces": series,
        "latency_ms": {"buckets": {b: latency.get(b, 0) for b in bounds}},
        "keys": keys,
        "memory": {
            "used_bytes": memory.get("used_memory"),
            "max_bytes": memory.get("maxmemory"),
            "policy": memory.get("maxmemory_policy"),
            "evicted_keys": info.get("evicted_keys"),
        },
        "hottest": hottest,
    }
