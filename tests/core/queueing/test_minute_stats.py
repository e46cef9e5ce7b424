"""Worker-side counters: buffered in memory, flushed to Redis minute buckets."""

from __future__ import annotations

import time

import dramatiq
import redis
from dramatiq.brokers.stub import StubBroker

from core.queueing import minute_stats
from core.queueing.minute_stats import Stats


def _message(**options: object) -> dramatiq.broker.MessageProxy:
    msg = dramatiq.Message(
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
