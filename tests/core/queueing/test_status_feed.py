"""Job status events: buffered in memory, published to the org's channel only."""

from __future__ import annotations

from typing import Any

import dramatiq
import orjson
import redis
from dramatiq.brokers.stub import StubBroker

from core import channels
from core.queueing.status_feed import ORG_OPTION, JobEvents


def _message(**options: object) -> dramatiq.broker.MessageProxy:
    msg: dramatiq.Message[Any] = dramatiq.Message(
        queue_name="default", actor_name="x.y", args=(), kwargs={}, options=dict(options)
    )
    return dramatiq.broker.MessageProxy(msg)


def test_job_events_reach_the_orgs_channel_only(broker_redis: redis.Redis) -> None:
    pubsub = broker_redis.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(channels.PREFIX + "*")
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
        (channels.PREFIX + "org:7:jobs", "running"),
        (channels.PREFIX + "org:7:jobs", "succeeded"),
    ]
    pubsub.close()
