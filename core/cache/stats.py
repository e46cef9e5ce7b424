"""Cache analytics: counters per namespace and a lookup-latency histogram.

Each process counts in memory (no Redis write on the hit path) and adds its counts to one
Redis hash at most once per ``flush_s``, so ``GET /api/v1/cache/stats`` sees every
process. Counts that belong to one organization are also added to that org's own hash
(``<key>:org:<id>``), so an org's admin sees their figures and nobody else's. A process
also keeps its own running totals.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import redis
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

EVENTS = (
    "hits",
    "misses",
    "stale",
    "early_refreshes",
    "lock_waits",
    "errors",
    "bypassed",
    "computations",
    "stores",
    "dropped_stale_writes",
    "bytes_stored",
    "bytes_saved",
)
# Upper bounds (ms) of the lookup-latency buckets; the last one is +Inf.
BUCKETS_MS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 100.0)
# The same counts also go to a hash per minute (kept 2 hours) and per hour (kept 14
# days), for the ops console's charts over time.
MINUTE_TTL_S = 2 * 3600
HOUR_TTL_S = 14 * 86400 + 7200
# The hottest keys of the whole platform: sampled hits per hour, the top ones kept.
HOT_KEPT = 1000


def _bucket(ms: float) -> str:
    for bound in BUCKETS_MS:
        if ms <= bound:
            return str(bound)
    return "+Inf"


class Stats:
    """Counters of one process, flushed into the hash ``key``.

    Parameters:
      key: the Redis hash shared by every process.
      flush_s: how often counts are added to it.
    """

    def __init__(self, key: str, *, flush_s: float = 1.0) -> None:
        self.key = key
        self.flush_s = flush_s
        self._lock = threading.Lock()
        self._pending: Counter[str] = Counter()
        self._pending_org: Counter[tuple[int, str]] = Counter()
        self.totals: Counter[str] = Counter()
        self._last_flush = time.monotonic()

    def minute_key(self, minute: int) -> str:
        """The hash of every process's counts in ``minute`` (epoch seconds // 60)."""
        return f"{self.key}:m:{minute}"

    def hour_key(self, hour: int) -> str:
        """The hash of every process's counts in ``hour`` (epoch seconds // 3600)."""
        return f"{self.key}:hr:{hour}"

    def hot_key(self, hour: int) -> str:
        """The sorted set of sampled hits per ``org_id|key`` in ``hour``."""
        return f"{self.key}:hot:{hour}"

    def count_hot(self, pipe: Any, members: list[tuple[int, str]], weight: float) -> None:
        """Add sampled hits of ``(org_id, key member)`` to this hour's platform ranking
        (in the caller's pipeline, which already goes to Redis)."""
        hot = self.hot_key(int(time.time() // 3600))
        for org_id, member in members:
            pipe.zincrby(hot, weight, f"{org_id}|{member}")
        pipe.zremrangebyrank(hot, 0, -HOT_KEPT - 1)
        pipe.expire(hot, 7200)

    def org_key(self, org_id: int) -> str:
        """The hash of ``org_id``'s own counts."""
        return f"{self.key}:org:{org_id}"

    def incr(self, namespace: str, event: str, n: int = 1, *, org_id: int | None = None) -> None:
        """Count ``n`` ``event`` in ``namespace`` (and in ``org_id``'s figures, if given)."""
        field = f"{event}|{namespace}"
        with self._lock:
            self._pending[field] += n
            self.totals[field] += n
            if org_id is not None:
                self._pending_org[org_id, field] += n

    def observe(self, seconds: float, *, org_id: int | None = None) -> None:
        """Record one lookup's latency."""
        field = f"latency_ms|{_bucket(seconds * 1000)}"
        with self._lock:
            self._pending[field] += 1
            self.totals[field] += 1
            if org_id is not None:
                self._pending_org[org_id, field] += 1

    def due(self) -> bool:
        """Whether a flush is due."""
        return time.monotonic() - self._last_flush >= self.flush_s

    def flush(self, client: redis.Redis) -> None:
        """Add the pending counts to Redis; on failure they wait for the next flush."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            per_org, self._pending_org = self._pending_org, Counter()
            self._last_flush = time.monotonic()
        if not pending and not per_org:
            return
        try:
            pipe = client.pipeline(transaction=False)
            now = time.time()
            minute, hour = self.minute_key(int(now // 60)), self.hour_key(int(now // 3600))
            for field, n in pending.items():
                pipe.hincrby(self.key, field, n)
                pipe.hincrby(minute, field, n)
                pipe.hincrby(hour, field, n)
            if pending:
                pipe.expire(minute, MINUTE_TTL_S)
                pipe.expire(hour, HOUR_TTL_S)
            for (org_id, field), n in per_org.items():
                pipe.hincrby(self.org_key(org_id), field, n)
            pipe.execute()
        except redis.RedisError:
            with self._lock:
                self._pending.update(pending)
                self._pending_org.update(per_org)
            raise

    def read(self, client: redis.Redis, *, org_id: int | None = None) -> dict[str, Any]:
        """Every process's counts (of every org, or of ``org_id``): per namespace, totals,
        hit rate and the histogram."""
        key = self.key if org_id is None else self.org_key(org_id)
        raw: dict[bytes, bytes] = client.hgetall(key)  # type: ignore[assignment]
        return summarize({k.decode(): int(v) for k, v in raw.items()})


def summarize(fields: dict[str, int]) -> dict[str, Any]:
    """Turn ``event|namespace`` counters into the stats document."""
    per_ns: dict[str, Counter[str]] = {}
    histogram: Counter[str] = Counter()
    for field, n in fields.items():
        event, _, ns = field.partition("|")
        if event == "latency_ms":
            histogram[ns] += n
        else:
            per_ns.setdefault(ns, Counter())[event] += n
    totals: Counter[str] = Counter()
    for counts in per_ns.values():
        totals.update(counts)

    def doc(c: Counter[str]) -> dict[str, Any]:
        out: dict[str, Any] = {e: c.get(e, 0) for e in EVENTS}
        served = c["hits"] + c["stale"] + c["misses"]
        out["hit_rate"] = round((c["hits"] + c["stale"]) / served, 4) if served else None
        return out

    bounds = [*map(str, BUCKETS_MS), "+Inf"]
    return {
        **doc(totals),
        "namespaces": {ns: doc(c) for ns, c in sorted(per_ns.items())},
        "latency_ms": {"buckets": {b: histogram.get(b, 0) for b in bounds}},
    }


class CacheCollector:
    """A Prometheus collector of every process's cache counters, read from Redis on scrape.

    Each process adds its counts to the shared hash at most ``flush_s`` after counting them,
    so any web process (or gunicorn worker) reports the same platform-wide figures.

    Parameters:
      stats: the process's :class:`Stats` (its hash key).
      client: the cache Redis.
    """

    def __init__(self, stats: Stats, client: redis.Redis) -> None:
        self.stats = stats
        self.client = client

    def collect(self) -> Iterator[Any]:
        raw: dict[bytes, bytes] = self.client.hgetall(self.stats.key)  # type: ignore[assignment]
        totals = {k.decode(): int(v) for k, v in raw.items()}
        events = CounterMetricFamily(
            "saleshub_cache_events", "Cache events by namespace", labels=["namespace", "event"]
        )
        cumulative, count = [], 0
        for field, n in sorted(totals.items()):
            event, _, ns = field.partition("|")
            if event != "latency_ms":
                events.add_metric([ns, event], n)
        for bound in [*map(str, BUCKETS_MS), "+Inf"]:
            count += totals.get(f"latency_ms|{bound}", 0)
            cumulative.append((bound if bound == "+Inf" else str(float(bound) / 1000), count))
        yield events
        yield HistogramMetricFamily(
            "saleshub_cache_lookup_seconds",
            "Cache lookup latency",
            buckets=cumulative,
            sum_value=None,
        )
