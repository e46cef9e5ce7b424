"""Latency histograms: buckets, merging across workers and minutes, percentiles."""

from __future__ import annotations

import time
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.stub import StubBroker

from core.queueing import latency, minute_stats
from core.queueing.minute_stats import Stats
from tests.support.replies import text


def test_buckets_and_quantiles() -> None:
    assert latency.bucket(0) == 0 and latency.bucket(5) == 0 and latency.bucket(6) == 1
    assert latency.bucket(10**9) == len(latency.BOUNDS_MS) - 1
    hist = [0] * len(latency.BOUNDS_MS)
    for ms in [3] * 50 + [40] * 45 + [2000] * 5:
        hist[latency.bucket(ms)] += 1
    assert latency.quantile(hist, 0.5) == 5.0  # the top of the first bucket
    assert 25 < (latency.quantile(hist, 0.95) or 0) <= 50
    assert latency.quantile([0] * len(hist), 0.5) is None
    slow = [0] * len(hist)
    slow[-1] = 1
    assert latency.quantile(slow, 0.5) == 300_000  # past the last bound: its lower edge


def test_merge_sums_per_queue_actor_and_kind() -> None:
    merged = latency.merge([{"q|a|run|0": 2, "q|a|wait|3": 1}, {"q|a|run|0": 1}])
    assert merged[("q", "a", "run")][0] == 3 and merged[("q", "a", "wait")][3] == 1


def test_workers_record_wait_for_first_attempts_and_run_for_all(
    broker_redis: redis.Redis,
) -> None:
    stats, broker = Stats(), StubBroker()
    staged = int(time.time() * 1000) - 1500  # staged 1.5 s ago
    for retries in (0, 1):
        msg: dramatiq.Message[Any] = dramatiq.Message(
            queue_name="bulk",
            actor_name="a.b",
            args=(),
            kwargs={},
            options={"retries": retries},
            message_timestamp=staged,
        )
        proxy = dramatiq.broker.MessageProxy(msg)
        stats.before_process_message(broker, proxy)
        stats.after_process_message(broker, proxy)
    stats.flush(broker_redis)
    minute = int(time.time() // 60)
    raw = broker_redis.hgetall(f"{latency.MINUTE_PREFIX}{minute}")
    hists = latency.merge([{text(k): int(v) for k, v in raw.items()}])
    assert sum(hists[("bulk", "a.b", "run")]) == 2
    wait = hists[("bulk", "a.b", "wait")]
    assert sum(wait) == 1 and wait[latency.bucket(1500)] == 1
    hour = broker_redis.hgetall(minute_stats.hour_key(minute // 60))
    assert int(hour[b"bulk|a.b|processed"]) == 2  # the hour bucket too
