"""The waking consumer, on the real Redis broker.

Every consumer here is given a poll backoff of at least a minute (``timeout`` 120 s and a
long run of misses), so a message it gets within WITHIN_S seconds can only have come from a
wake-up: Dramatiq's polling alone would still be asleep. WITHIN_S is generous for a loaded
2-core box; speed itself is measured in bench/jobs.py, not here.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq
import psycopg
import pytest
from dramatiq import Message
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import _RedisConsumer
from sqlalchemy.orm import Session, sessionmaker

import worker.entry  # noqa: F401 - declares every actor
from core.queueing import consumer as consumer_module
from core.queueing.broker import build_redis_broker, configure
from core.queueing.consumer import (
    DRAMATIQ_VERSION,
    PARKED_OPTION,
    WakingConsumer,
    WakingRedisBroker,
    wake_channel,
)
from core.queueing.outbox import stage
from core.queueing.pause import pause, resume
from core.queueing.relay import Relay
from core.settings import Settings
from models.db import session_scope
from tests.support.actors import effect
from tests.support.consuming import take, waking

LONG_POLL_MS = 120_000  # Dramatiq's backoff then sleeps 60-120 s after an empty fetch
WITHIN_S = 10.0


def test_written_for_this_dramatiq() -> None:
    # consumer.py relies on Dramatiq's private _RedisConsumer; re-read it before upgrading.
    assert dramatiq.__version__ == DRAMATIQ_VERSION, (
        f"core/queueing/consumer.py was written for Dramatiq {DRAMATIQ_VERSION}, this is "
        f"{dramatiq.__version__}: check _RedisConsumer.__next__, do_fetch and _dispatch"
    )
    probe = _RedisConsumer.__new__(_RedisConsumer)
    _RedisConsumer.__init__(probe, object(), "default", 4, 1000)
    assert (probe.message_cache, probe.misses, probe.prefetch, probe.timeout) == ([], 0, 4, 1000)
    assert probe.outstanding_message_count == 0


@pytest.fixture
def broker(settings: Settings) -> Iterator[WakingRedisBroker]:
    b = build_redis_broker(settings)
    assert isinstance(b, WakingRedisBroker)
    yield b
    b.client.close()


class Taker:
    """A consumer in its own thread that calls ``next`` until it gets a message."""

    def __init__(self, broker: WakingRedisBroker, queue: str, prefetch: int = 1) -> None:
        self.consumer = broker.consume(queue, prefetch=prefetch, timeout=LONG_POLL_MS)
        assert isinstance(self.consumer, WakingConsumer)
        self.consumer.misses = 30  # as after a long quiet moment: the longest backoff
        self.got: list[MessageProxy] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.channel = wake_channel(broker.namespace, queue)
        self.client = broker.client

    def _run(self) -> None:
        while not self.stop.is_set() and not self.got:
            message = next(self.consumer)
            if message is not None:
                self.got.append(message)

    def __enter__(self) -> Taker:
        self.thread.start()
        # Subscribed means its next empty fetch is followed by a wait on the channel.
        deadline = time.monotonic() + WITHIN_S
        while dict(self.client.pubsub_numsub(self.channel)).get(self.channel.encode(), 0) < 1:
            assert time.monotonic() < deadline, "consumer never subscribed"
            time.sleep(0.01)
        time.sleep(0.2)  # let it reach its long wait
        return self

    def wait(self, seconds: float = WITHIN_S) -> MessageProxy | None:
        self.thread.join(seconds)
        return self.got[0] if self.got else None

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        # Wake it so the thread sees ``stop``; its subscription closes with the consumer.
        self.client.publish(self.channel, b"1")
        self.thread.join(WITHIN_S)
        self.consumer.close()


def _message(queue: str = "default") -> Message[Any]:
    return Message(queue_name=queue, actor_name="test.effect", args=("x",), kwargs={}, options={})


def test_enqueue_wakes_a_consumer_in_its_longest_backoff(broker: WakingRedisBroker) -> None:
    with Taker(broker, "default") as taker:
        sent = broker.enqueue(_message())
        got = taker.wait()
    assert got is not None and got.message_id == sent.message_id


def test_a_delayed_message_wakes_the_delay_queue_consumer(broker: WakingRedisBroker) -> None:
    with Taker(broker, "default.DQ") as taker:
        sent = broker.enqueue(_message(), delay=50)
        got = taker.wait()
    assert got is not None and got.message_id == sent.message_id and "eta" in got.options


def test_the_relay_wakes_the_consumer(
    settings: Settings, sessions: sessionmaker[Session], broker: WakingRedisBroker
) -> None:
    configure(settings, broker)
    with session_scope(sessions) as s:
        job_id = stage(s, effect, job_type="t", org_id=None, args=("relayed",))
    with Taker(broker, "default") as taker:
        with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
            assert Relay(settings, broker).drain(conn) == 1
        got = taker.wait()
    assert got is not None and got.message_id == str(job_id)


def test_requeued_messages_wake_another_consumer(broker: WakingRedisBroker) -> None:
    sent = [broker.enqueue(_message()) for _ in range(2)]
    stopping = broker.consume("default", prefetch=2, timeout=LONG_POLL_MS)
    held = take(stopping, 2)
    assert broker.client.llen(f"{broker.namespace}:default") == 0
    with Taker(broker, "default") as taker:
        stopping.requeue(held)  # what a stopping worker does with what it prefetched
        got = taker.wait()
    assert got is not None and got.message_id in {m.message_id for m in sent}
    stopping.close()


def test_a_wake_up_does_not_unpause_a_queue(broker: WakingRedisBroker) -> None:
    ns = broker.namespace
    try:
        with Taker(broker, "default") as taker:
            pause(broker.client, "default")  # while it waits, subscribed, in a long backoff
            broker.enqueue(_message())
            assert taker.wait(1.5) is None  # woken (and polled every 0.1 s) but paused
            assert broker.client.llen(f"{ns}:default") == 1
            resume(broker.client, "default")
            got = taker.wait()
        assert got is not None
        assert broker.client.llen(f"{ns}:default") == 0
    finally:
        resume(broker.client, "default")


def test_without_a_subscription_it_still_polls(
    broker: WakingRedisBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(WakingConsumer, "_subscription", lambda self: None)
    consumer = waking(broker.consume("default", prefetch=1, timeout=50))
    sent = broker.enqueue(_message())
    deadline = time.monotonic() + WITHIN_S
    got = None
    while got is None and time.monotonic() < deadline:
        got = next(consumer)
    assert got is not None and got.message_id == sent.message_id
    consumer.close()


def test_wake_ups_create_no_keys(broker: WakingRedisBroker) -> None:
    assert wake_channel(broker.namespace, "bulk") == f"{broker.namespace}:bulk.wake"
    consumer_module.publish_wake(broker.client, broker.namespace, ["default", "default"])
    assert broker.client.exists(wake_channel(broker.namespace, "default")) == 0
    assert not list(broker.client.scan_iter(match="*wake*"))


def test_a_pause_notice_stops_the_next_fetch(broker: WakingRedisBroker) -> None:
    consumer = waking(broker.consume("default", prefetch=1, timeout=10))
    try:
        assert next(consumer) is None  # subscribed; the flag read (not paused) and cached
        pause(broker.client, "default")
        broker.enqueue(_message())
        # Within the flag's one-second cache, only the pause notice can stop the fetch.
        assert [next(consumer) for _ in range(3)] == [None, None, None]
        assert broker.client.llen(f"{broker.namespace}:default") == 1
    finally:
        resume(broker.client, "default")
        consumer.close()


def _enqueue_silently(broker: WakingRedisBroker, message: Message[Any]) -> None:
    """Into the queue as Dramatiq's script puts it, with no wake-up (as maintenance does)."""
    message = message.copy(options={"redis_message_id": str(uuid.uuid4())})
    rid = message.options["redis_message_id"]
    broker._dispatch("enqueue")(message.queue_name, rid, message.encode())


def test_after_a_fetch_that_emptied_the_queue_it_waits_before_fetching_again(
    broker: WakingRedisBroker,
) -> None:
    # A second fetch straight after handing over the last message would find nothing on a
    # quiet system, and its round trip delays the worker thread that took the message
    # (docs/decisions/0043): the consumer waits for a wake-up or its first backoff first.
    consumer = waking(broker.consume("default", prefetch=4, timeout=LONG_POLL_MS))
    try:
        broker.enqueue(_message())
        take(consumer, 1)  # one of the four it asked for: the queue is empty
        _enqueue_silently(broker, _message())
        assert next(consumer) is None  # waited, did not fetch
        assert broker.client.llen(f"{broker.namespace}:default") == 1
        take(consumer, 1)  # then polled, as after an empty fetch
    finally:
        consumer.close()


def test_a_wake_up_after_a_fetch_that_emptied_the_queue_is_served(
    broker: WakingRedisBroker,
) -> None:
    consumer = waking(broker.consume("default", prefetch=4, timeout=LONG_POLL_MS))
    try:
        broker.enqueue(_message())
        take(consumer, 1)
        consumer.misses = 30  # its wait would now last a minute without a wake-up
        sent = broker.enqueue(_message())
        (got,) = take(consumer, 1)
        assert got.message_id == sent.message_id
    finally:
        consumer.close()


def _unacked(broker: WakingRedisBroker, queue: str = "default") -> tuple[int, int]:
    """(messages still stored, ids still in this broker's ack set) of ``queue``."""
    ns = broker.namespace
    stored = broker.client.hlen(f"{ns}:{queue}.msgs")
    acks = broker.client.scard(f"{ns}:__acks__.{broker.broker_id}.{queue}")
    return int(stored), int(acks)


def test_acks_are_sent_by_the_ack_thread_and_leave_prefetch_at_once(
    broker: WakingRedisBroker,
) -> None:
    consumer = waking(broker.consume("default", prefetch=4, timeout=50))
    try:
        broker.enqueue(_message())
        (message,) = take(consumer, 1)
        assert consumer.outstanding_message_count == 1
        assert _unacked(broker) == (1, 1)
        consumer.ack(message)
        assert consumer.outstanding_message_count == 0  # before any round trip
        deadline = time.monotonic() + WITHIN_S
        while _unacked(broker) != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _unacked(broker) == (0, 0)
    finally:
        consumer.close()


def test_a_parked_message_gets_no_ack(broker: WakingRedisBroker) -> None:
    # Parked (out of the ack set), moved back and fetched again before the parked copy's
    # ack would go out: that ack must not delete the body the second fetch still needs.
    consumer = waking(broker.consume("default", prefetch=4, timeout=50))
    try:
        broker.enqueue(_message())
        (parked,) = take(consumer, 1)
        rid = parked.options["redis_message_id"]
        ns = broker.namespace
        broker.client.srem(f"{ns}:__acks__.{broker.broker_id}.default", rid)
        broker.client.lpush(f"{ns}:default", rid)
        (again,) = take(consumer, 1)
        parked.options[PARKED_OPTION] = True
        consumer.ack(parked)
    finally:
        consumer.close()  # sends every ack waiting
    assert _unacked(broker) == (1, 1)  # body and ack set entry of the second fetch
    assert broker.client.hexists(f"{ns}:default.msgs", again.options["redis_message_id"])


def test_close_sends_every_waiting_ack(broker: WakingRedisBroker) -> None:
    n = consumer_module.ACK_BATCH + 44  # more than one pipeline
    consumer = waking(broker.consume("default", prefetch=n + 1, timeout=50))
    for _ in range(n + 1):
        broker.enqueue(_message())
    *done, unfinished = take(consumer, n + 1)
    for message in done:
        consumer.ack(message)
    consumer.requeue([unfinished])  # as Dramatiq's worker does before it closes
    consumer.close()
    # Every acked message is gone; the one never acked went back to the queue.
    assert _unacked(broker) == (1, 0)
    assert broker.client.llen(f"{broker.namespace}:default") == 1
    assert unfinished.message_id not in {m.message_id for m in done}


def test_acks_kept_while_redis_refuses_are_sent_when_it_answers(
    broker: WakingRedisBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = waking(broker.consume("default", prefetch=2, timeout=50))
    sender = consumer._acks
    real_send = consumer_module.AckSender._send
    refusals: list[int] = []

    def flaky_send(self: Any, ids: list[str]) -> None:
        if not refusals:
            refusals.append(len(ids))
            raise consumer_module.redis.ConnectionError("broker restarting")
        real_send(self, ids)

    monkeypatch.setattr(consumer_module.AckSender, "_send", flaky_send)
    try:
        broker.enqueue(_message())
        (message,) = take(consumer, 1)
        consumer.ack(message)
        deadline = time.monotonic() + WITHIN_S
        while _unacked(broker) != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert refusals == [1]
        assert _unacked(broker) == (0, 0)
        assert sender._ids == []
    finally:
        consumer.close()
