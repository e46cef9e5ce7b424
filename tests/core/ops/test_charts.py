"""Charts from the buckets: every queue, throughput and latency per point, depth history."""

from __future__ import annotations

from collections import Counter

import redis

from core.ops import charts
from core.ops.redis_ops import queue_stats
from core.queueing import latency, minute_stats
from core.queueing.queues import NAMES

NOW = 1_800_000_000.0  # an hour boundary: 30,000,000 minutes


def _work(client: redis.Redis, minute: int, queue: str, actor: str, done: int, ms: float) -> None:
    counts = Counter({minute_stats.field(queue, actor, "processed"): done})
    hist = Counter(
        {
            latency.field(queue, actor, "run", ms): done,
            latency.field(queue, actor, "wait", ms / 10): done,
        }
    )
    minute_stats.add_counts(client, counts, minute, hist)


def test_last_hour_lists_every_queue_with_a_point_a_minute(broker_redis: redis.Redis) -> None:
    last = int(NOW // 60)
    _work(broker_redis, last, "push", "n.push", 4, 40)
    _work(broker_redis, last - 2, "bulk", "s.index", 2, 4000)
    minute_stats.add_counts(
        broker_redis, Counter({minute_stats.field("bulk", "s.index", "failed"): 1}), last - 2
    )
    body = charts.charts(broker_redis, "hour", now=NOW)
    assert body["queues"] == list(NAMES) and len(body["t"]) == 60
    assert body["t"][-1] == last * 60 and body["step_s"] == 60
    assert body["throughput"]["push"]["done"][-1] == 4
    assert (body["throughput"]["bulk"]["done"][-3], body["throughput"]["bulk"]["failed"][-3]) == (
        2,
        1,
    )
    assert set(body["throughput"]) == set(NAMES) and body["throughput"]["email"]["done"] == [0] * 60
    run_p50 = body["latency"]["push"]["run_p50"][-1]
    assert run_p50 is not None and 25 < run_p50 <= 50
    assert body["latency"]["push"]["run_p50"][-2] is None  # nothing ran: no point
    (bulk, push) = body["actors"]
    assert (bulk["actor"], bulk["done"], bulk["failed"]) == ("s.index", 2, 1)
    assert push["wait_p95"] is not None and push["wait_p95"] <= 5


def test_fourteen_days_read_hour_buckets(broker_redis: redis.Redis) -> None:
    _work(broker_redis, int(NOW // 60) - 60 * 24 * 3, "default", "a.x", 7, 100)
    body = charts.charts(broker_redis, "14d", now=NOW)
    assert len(body["t"]) == 14 * 24 and body["step_s"] == 3600
    assert sum(body["throughput"]["default"]["done"]) == 7


def test_depth_is_sampled_per_minute_with_the_hour_s_peak(broker_redis: redis.Redis) -> None:
    ns = "depthtest"
    broker_redis.rpush(f"{ns}:default", *[f"m{i}" for i in range(5)])
    charts.sample_depth(broker_redis, queue_stats(broker_redis, ns), now=NOW)
    broker_redis.ltrim(f"{ns}:default", 0, 1)
    charts.sample_depth(broker_redis, queue_stats(broker_redis, ns), now=NOW + 60)
    hour = charts.charts(broker_redis, "hour", now=NOW + 60)
    assert hour["depth"]["default"][-2:] == [5, 2] and hour["depth"]["push"][-1] == 0
    days = charts.charts(broker_redis, "14d", now=NOW + 60)
    assert days["depth"]["default"][-1] == 5  # the hour's peak
