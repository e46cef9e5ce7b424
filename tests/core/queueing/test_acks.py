"""The ack book: messages a live worker lost go back to their queue; held ones never do.

Real broker Redis. A lost fetch reply is made the way a hung Redis makes it: the fetch runs
in Redis under the consumer's worker id and nobody reads its answer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from dramatiq import Message, Worker
from dramatiq.broker import MessageProxy
from sqlalchemy.orm import Session, sessionmaker

from core.queueing import acks as acks_module
from core.queueing.broker import build_redis_broker, configure
from core.queueing.consumer import WakingConsumer, WakingRedisBroker
from core.settings import Settings
from jobs import runtime
from tests.support.actors import effect
from tests.support.consuming import take
from tests.support.replies import text
from tests.support.stack import RedisServer, wait_for

WITHIN_S = 10.0


@pytest.fixture
def broker(settings: Settings) -> Iterator[WakingRedisBroker]:
    b = build_redis_broker(settings)
    assert isinstance(b, WakingRedisBroker)
    yield b
    b.client.close()


def _message(queue: str = "default") -> Message[Any]:
    return Message(queue_name=queue, actor_name="test.effect", args=("x",), kwargs={}, options={})


def _consumer(broker: WakingRedisBroker, queue: str = "default", prefetch: int = 4) -> Any:
    consumer = broker.consume(queue, prefetch=prefetch, timeout=50)
    assert isinstance(consumer, WakingConsumer)
    return consumer


def _ack_set(broker: WakingRedisBroker, queue: str = "default") -> set[str]:
    key = f"{broker.namespace}:__acks__.{broker.broker_id}.{queue}"
    return {text(m) for m in broker.client.smembers(key)}


def _queued(broker: WakingRedisBroker, queue: str = "default") -> list[str]:
    return [text(m) for m in broker.client.lrange(f"{broker.namespace}:{queue}", 0, -1)]


def _lose_a_fetch(broker: WakingRedisBroker, queue: str = "default") -> None:
    """A fetch Redis ran for this worker whose answer never reached it."""
    broker.do_fetch(queue, 10)


def test_a_fetch_whose_reply_was_lost_is_requeued_and_runs(broker: WakingRedisBroker) -> None:
    sent = broker.enqueue(_message())
    _lose_a_fetch(broker)
    rid = sent.options["redis_message_id"]
    assert _ack_set(broker) == {rid} and _queued(broker) == []
    consumer = _consumer(broker)
    try:
        consumer._book.suspect = True  # as after the connection error the timeout raised
        (got,) = take(consumer, 1)
        assert got.message_id == sent.message_id
        assert _ack_set(broker) == {rid}  # fetched again, now held
        assert consumer._book.suspect is False
    finally:
        consumer.close()


def test_a_periodic_reconcile_finds_what_no_error_announced(broker: WakingRedisBroker) -> None:
    sent = broker.enqueue(_message())
    _lose_a_fetch(broker)
    consumer = _consumer(broker)
    try:
        assert next(consumer) is None  # not due: the lost message waits
        assert _queued(broker) == []
        consumer._reconciled -= acks_module.RECONCILE_EVERY_S
        (got,) = take(consumer, 1)
        assert got.message_id == sent.message_id
    finally:
        consumer.close()


class _Pending:
    """Acks queued and not sent yet: what a sender reports between put and send."""

    def __init__(self, *ids: str) -> None:
        self.ids = set(ids)

    def pending(self) -> set[str]:
        return self.ids


def test_held_and_pending_acks_stay_only_the_unheld_go_back(broker: WakingRedisBroker) -> None:
    for _ in range(3):
        broker.enqueue(_message())
    consumer = _consumer(broker)
    try:
        working, acking, dropped = (m.options["redis_message_id"] for m in take(consumer, 3))
        book = consumer._book
        assert book.held() == {working, acking, dropped}
        book.release(acking)  # a worker thread put its ack in the sender, not sent yet
        book.release(dropped)  # what Dramatiq lost
        assert book.reconcile(broker, _Pending(acking)) == 1
        assert _queued(broker) == [dropped]
        assert _ack_set(broker) == {working, acking}
        assert book.reconcile(broker, _Pending(acking)) == 0
    finally:
        consumer.close()


def test_a_requeue_refused_by_a_down_redis_does_not_raise(settings: Settings) -> None:
    down = WakingRedisBroker(url="redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    consumer = _consumer(down)
    message = MessageProxy(_message().copy(options={"redis_message_id": "r1"}))
    consumer._book.hold("r1")
    try:
        consumer.requeue([message])  # Dramatiq's consumer thread would die of a raise here
        assert consumer._book.suspect is True
        assert consumer._book.held() == set()
    finally:
        consumer._acks.close(timeout=0.1)
        consumer._closed = True
        down.client.close()


def test_a_delay_queue_dramatiq_dropped_on_a_broker_outage_still_runs(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """Dramatiq's consumer thread discards its delay queue on a connection error
    (``ConsumerThread.run``) and the messages stay in the ack set of a worker that is alive:
    without the book they wait for the next restart."""
    server = RedisServer(tmp_path)
    server.start()
    local = settings.replace(broker={"url": server.url})
    broker = configure(local)
    assert isinstance(broker, WakingRedisBroker)
    runtime.init(local, sessions)
    cache = redis.Redis.from_url(settings.cache.url)
    key = f"delayed-{uuid.uuid4().hex}"
    worker = Worker(broker, worker_timeout=100, worker_threads=1)
    worker.start()
    try:
        effect.send_with_options(args=(key,), delay=3000)
        wait_for(lambda: _ack_set(broker, "default.DQ"), timeout=10)  # in its delay queue
        server.stop()
        time.sleep(1.5)  # every consumer thread meets the connection error
        server.start()  # from the AOF: the message is still in the worker's ack set
        wait_for(lambda: cache.get(f"{key}:effect") == b"1", timeout=30)
    finally:
        worker.stop(timeout=5000)
        server.stop()
        configure(settings)


def test_a_parked_message_fetched_again_before_its_park_let_go_stays_held(
    broker: WakingRedisBroker,
) -> None:
    # Fairness parks a message (its id leaves the ack set), another worker's finished job
    # moves it back, this consumer fetches it again, and only then does the parking thread
    # let go of the first fetch. The second fetch is still held: a reconcile leaves it.
    broker.enqueue(_message())
    consumer = _consumer(broker)
    try:
        (first,) = take(consumer, 1)
        rid = first.options["redis_message_id"]
        ns = broker.namespace
        broker.client.srem(f"{ns}:__acks__.{broker.broker_id}.default", rid)  # parked
        broker.client.lpush(f"{ns}:default", rid)  # and moved back
        (again,) = take(consumer, 1)
        assert again.options["redis_message_id"] == rid
        consumer._book.release(rid)  # the park lets go of the first fetch, late
        assert consumer._book.held() == {rid}
        assert consumer._book.reconcile(broker, _Pending()) == 0
        assert _queued(broker) == [] and _ack_set(broker) == {rid}
        consumer._book.release(rid)  # the second fetch is acked
        assert consumer._book.held() == set()
    finally:
        consumer.close()
