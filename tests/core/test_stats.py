"""Worker-side counters and job events: buffered in memory, flushed to Redis."""

from __future__ import annotations

import time

import dramatiq
import orjson
import redis
from dramatiq.brokers.stub import StubBroker

from core import events, stats
from core.job_events import ORG_OPTION, JobEvents
from core.stats import Stats


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
    last = stats.rates(broker_redis, minutes=1)[-1]["counts"]
    assert last["default|x.y|processed"] == 2 and last["default|x.y|failed"] == 1
    assert broker_redis.ttl(stats.bucket_key(int(time.time() // 60))) > 13 * 86400


def test_job_events_reach_the_orgs_channel_only(broker_redis: redis.Redis) -> None:
    pubsub = broker_redis.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(events.PREFIX + "*")
    pubsub.get_message(timeout=1)
    emitter = JobEvents()
    broker = StubBroker()
    mine = _message(**{ORG_OPTION: 7})
    emitter.before_process_message(broker, mine)
    emitter.after_process_message(broker, mine, result=1)
    emitter.after_process_message(broker, _message(), result=1)  # no org: not announced
    emitter.flush(broker_redis)
    got = []
    while (m := pubsub.get_message(timeout=1)) is not None:
        got.append((m["channel"].decode(), orjson.loads(m["data"])["data"]["status"]))
    assert got == [
        (events.PREFIX + "org:7:jobs", "running"),
        (events.PREFIX + "org:7:jobs", "succeeded"),
    ]
    pubsub.close()
