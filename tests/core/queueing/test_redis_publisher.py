"""Publishing a relay batch to Dramatiq's Redis broker: its format, its keys, one transaction."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker

from core.queueing.broker import configure
from core.queueing.brokers.base import BrokerUnavailable
from core.queueing.brokers.redis import RedisPublisher, encode
from core.queueing.consumer import wake_channel
from core.settings import Settings
from tests.support.replies import blob, text


def _message(queue: str = "default", **kwargs: Any) -> Message[Any]:
    return Message(
        queue_name=queue,
        actor_name="saleshub.t",
        args=(1, "two", [3.5, None]),
        kwargs={"k": {"nested": True}, **kwargs},
        options={"job_id": "j-1", "max_retries": 3},
    )


def test_a_body_decodes_as_dramatiqs_own_encoding_of_the_same_message() -> None:
    message = _message()
    body = encode(message, "rid-1")
    expected = message.copy(options={**message.options, "redis_message_id": "rid-1"})
    assert Message.decode(body) == Message.decode(expected.encode())
    assert message.options == {"job_id": "j-1", "max_retries": 3}  # the original is untouched


def test_an_integer_past_64_bits_takes_dramatiqs_encoder() -> None:
    big = 2**70
    body = encode(_message(big=big), "rid-2")
    assert Message.decode(body).kwargs["big"] == big


def test_a_batch_lands_per_queue_in_order_with_bodies_and_a_wake_up(settings: Settings) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    ns, client = broker.namespace, broker.client
    woken = client.pubsub(ignore_subscribe_messages=True)
    woken.psubscribe(f"{ns}*")
    woken.get_message(timeout=1.0)
    messages = [_message("default"), _message("bulk"), _message("default")]
    sent = RedisPublisher(broker).publish(messages)
    assert [s.queue for s in sent] == ["default", "bulk", "default"]
    assert [text(r) for r in client.lrange(f"{ns}:default", 0, -1)] == [
        sent[0].broker_id,
        sent[2].broker_id,
    ]
    assert [text(r) for r in client.lrange(f"{ns}:bulk", 0, -1)] == [sent[1].broker_id]
    for s, m in zip(sent, messages, strict=True):
        stored = Message.decode(blob(client.hget(f"{ns}:{s.queue}.msgs", s.broker_id)))
        assert stored.message_id == m.message_id
        assert stored.options["redis_message_id"] == s.broker_id
    assert client.zscore(f"{ns}:__heartbeats__", broker.broker_id) is not None
    channels = set()
    for _ in range(4):
        got = woken.get_message(timeout=1.0)
        if got is not None:
            channels.add(got["channel"].decode())
    woken.close()
    assert channels == {wake_channel(ns, "default"), wake_channel(ns, "bulk")}
    assert RedisPublisher(broker).publish([]) == []


def test_a_broker_that_cannot_take_the_batch_is_unavailable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)

    def refuse(self: Any, *_a: Any, **_k: Any) -> Any:
        raise redis.ConnectionError("connection reset before EXEC")

    monkeypatch.setattr(redis.client.Pipeline, "execute", refuse)
    with pytest.raises(BrokerUnavailable):
        RedisPublisher(broker).publish([_message()])
