"""Events over Redis pub/sub: one naming of the Redis channels, for single and batched sends."""

from __future__ import annotations

import time

import orjson
import redis

from core import channels


def _received(pubsub: redis.client.PubSub, n: int) -> list[tuple[str, dict[str, object]]]:
    out: list[tuple[str, dict[str, object]]] = []
    deadline = time.monotonic() + 5
    while len(out) < n and time.monotonic() < deadline:
        msg = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if msg is not None:
            out.append((channels.channel_of(msg["channel"]), orjson.loads(msg["data"])))
    return out


def test_single_and_batched_events_reach_a_hub_subscription(broker_redis: redis.Redis) -> None:
    pubsub = broker_redis.pubsub()
    pubsub.psubscribe(channels.PATTERN)
    pubsub.get_message(timeout=5)  # the subscription's confirmation
    jobs = channels.org_channel(7, "jobs")
    channels.publish(broker_redis, jobs, {"n": 1})
    encoded = [(jobs, orjson.dumps(channels.frame("jobs", {"n": n}))) for n in (2, 3)]
    assert channels.publish_encoded(broker_redis, encoded) == 2
    assert channels.publish_encoded(broker_redis, []) == 0
    got = _received(pubsub, 3)
    pubsub.close()
    assert [(name, frame["data"]) for name, frame in got] == [
        ("org:7:jobs", {"n": 1}),
        ("org:7:jobs", {"n": 2}),
        ("org:7:jobs", {"n": 3}),
    ]


def test_redis_channel_names_round_trip() -> None:
    name = channels.redis_channel("ops.queues")
    assert name.startswith(channels.PREFIX)
    assert channels.channel_of(name) == channels.channel_of(name.encode()) == "ops.queues"
