"""Worker-side counters: buffered in memory, flushed to Redis minute buckets."""

from __future__ import annotations

import time
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.stub import StubBroker

from core.queueing import minute_stats
from core.queueing.minute_stats import Stats


def _message(**options: object) -> dramatiq.broker.MessageProxy:
    msg: dramatiq.Message[Any] = dramatiq.Message(
        queue_name="default", actor_name="x.y", args=(), kwargs={}, options=dict(options)
    )
    return dramatiq.broker.MessageProxy(msg)


def test_counts_are_flushed_into_minute_buckets(broker_redis: redis.Redis) -> None:
    counter = Stats()
    broker = StubBroker()
    for exc in (None, None, RuntimeError("x")):
        msg = _message()
        counter.before_process_message(broker, msg)
        counter.after_process_message(broker, msg, exception=exc)
    counter.flush(broker_redis)
    counter.flush(broker_redis)  # nothing new: nothing added
    last = minute_stats.rates(broker_redis, minutes=1)[-1]["counts"]
    assert last["default|x.y|processed"] == 2 and last["default|x.y|failed"] == 1
    assert broker_redis.ttl(minute_stats.bucket_key(int(time.time() // 60))) > 13 * 86400


def test_totals_parse_counters_per_actor_and_per_queue() -> None:
    buckets = [
        {"default|a.x|processed": 2, "default|a.x|ms": 30, "email|n.mail|failed": 1},
        {"default|a.x|processed": 1, "default|a.y|failed": 4, "email|n.mail|ms": 9},
    ]
    by_actor = minute_stats.totals(buckets)
    assert by_actor == {
        ("default", "a.x"): minute_stats.Rates(processed=3, ms=30),
        ("default", "a.y"): minute_stats.Rates(failed=4),
        ("email", "n.mail"): minute_stats.Rates(failed=1, ms=9),
    }
    assert minute_stats.per_queue(by_actor) == {
        "default": minute_stats.Rates(processed=3, failed=4, ms=30),
        "email": minute_stats.Rates(failed=1, ms=9),
    }
    assert minute_stats.totals([]) == {}


def test_what_workers_count_reads_back_as_rates(broker_redis: redis.Redis) -> None:
    counter = Stats()
    broker = StubBroker()
    for exc in (None, RuntimeError("x"), None):
        msg = _message()
        counter.before_process_message(broker, msg)
        counter.after_process_message(broker, msg, exception=exc)
    counter.flush(broker_redis)
    buckets = [b["counts"] for b in minute_stats.rates(broker_redis, minutes=2)]
    rates = minute_stats.totals(buckets)[("default", "x.y")]
    assert (rates.processed, rates.failed) == (2, 1) and rates.ms >= 0
    assert minute_stats.field("default", "x.y", "ms") in buckets[-1]
