"""RabbitMQ as the broker: quorum queues, dead letters, and the relay's confirmed batches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pika
import pika.exceptions
import psycopg
import pytest
from sqlalchemy.orm import Session, sessionmaker

import worker.entry  # noqa: F401
from core.ops.backpressure import platform_overload
from core.queueing import pause
from core.queueing.broker import configure
from core.queueing.brokers import BrokerUnavailable, rabbitmq
from core.queueing.brokers.depths import read_ready
from core.queueing.brokers.rabbitmq import PIKA_VERSION, SalesHubRabbitmqBroker
from core.queueing.relay import Relay
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.support.actors import effect
from tests.support.consuming import take
from tests.support.factories import stage_id
from tests.support.stack import wait_for

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
def rabbit(rabbit_settings: Settings) -> Iterator[SalesHubRabbitmqBroker]:
    broker = configure(rabbit_settings)
    assert isinstance(broker, SalesHubRabbitmqBroker)
    yield broker
    broker.close()


def _stage_many(sessions: sessionmaker[Session], n: int) -> list[uuid.UUID]:
    with session_scope(sessions) as s:
        return [stage_id(s, effect, job_type="t", org_id=None, args=(f"k{i}",)) for i in range(n)]


def test_written_for_this_pika() -> None:
    # The relay's publisher uses pika's private channel and connection I/O loop.
    assert pika.__version__ == PIKA_VERSION


def test_queues_are_quorum_queues_with_a_delivery_limit(rabbit: SalesHubRabbitmqBroker) -> None:
    rabbit.declare_queue("default", ensure=True)
    channel = rabbit.channel
    # Redeclaring with other arguments is refused: the queue has exactly ours.
    args = rabbit.declarations("default")[0][1]
    assert args["x-queue-type"] == "quorum" and args["x-delivery-limit"] == 20
    channel.queue_declare(queue="default", durable=True, arguments=args)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        channel.queue_declare(queue="default", durable=True, arguments={})
    assert refused.value.reply_code == 406


def test_relay_marks_rows_only_once_rabbitmq_confirmed(
    rabbit_settings: Settings, rabbit: SalesHubRabbitmqBroker, sessions: sessionmaker[Session]
) -> None:
    relay = Relay(rabbit_settings.replace(broker={"relay_batch_size": 4}), rabbit)
    assert relay.width == 1  # one publisher channel, one batch at a time, whatever the setting
    ids = _stage_many(sessions, 10)
    with psycopg.connect(rabbit_settings.database.psycopg_dsn, autocommit=True) as conn:
        assert relay.drain(conn) == 10
        # The queue vanishes under the relay's open channel: RabbitMQ returns the next
        # batch instead of confirming it, and the rows stay staged.
        rabbit.channel.queue_delete("default")
        more = _stage_many(sessions, 2)
        with pytest.raises(BrokerUnavailable, match="returned"):
            relay.drain(conn)
        with sessions() as s:
            assert all(s.get(Job, i).dispatched_at is None for i in more)  # type: ignore[union-attr]
        # The next pass reconnects, declares the queue again and sends them.
        assert relay.drain(conn) == 2
    with sessions() as s:
        rows = [s.get(Job, i) for i in [*ids, *more]]
    assert all(r is not None and r.dispatched_at and r.redis_queue == "default" for r in rows)
    rabbit.queues_pending.add("default")
    assert rabbit.get_queue_message_counts("default")[0] == 2
    relay.publisher.close()


def test_a_nacked_message_is_dead_lettered(rabbit: SalesHubRabbitmqBroker) -> None:
    message = rabbit.enqueue(effect.message("x"))
    consumer = rabbit.consume("default", timeout=2000)
    got = next(m for m in consumer if m is not None)
    assert got.message_id == message.message_id
    consumer.nack(got)
    consumer.close()
    # RabbitMQ dead-letters asynchronously, and a passive declare's count can lag it
    # (docs/decisions/0024): this failed 3 of 6 back-to-back runs before it waited.
    wait_for(lambda: rabbit.get_queue_message_counts("default")[2] == 1)


def test_backpressure_counts_rabbitmq_queues_through_the_relay(
    rabbit_settings: Settings, rabbit: SalesHubRabbitmqBroker, sessions: sessionmaker[Session]
) -> None:
    local = rabbit_settings.replace(broker={"queue_max_depth": 5})
    relay = Relay(local, rabbit)
    _stage_many(sessions, 8)
    with psycopg.connect(local.database.psycopg_dsn, autocommit=True) as conn:
        relay.tick(conn)  # nothing ready yet: sends all 8
        assert platform_overload(relay.client, local) is None
        relay._last_ready = 0.0
        relay.sample_ready()  # what the next tick does, a second later
    assert read_ready(relay.client)["default"] == 8
    overload = platform_overload(relay.client, local)
    assert overload is not None and overload.status == 503 and "8 ready" in overload.message
    relay.publisher.close()


def test_a_paused_queue_is_not_taken_from_and_loses_nothing(
    rabbit: SalesHubRabbitmqBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Re-read the paused set on every turn (1 s in production), so the test need not wait.
    monkeypatch.setattr(rabbitmq, "PAUSE_CHECK_INTERVAL_S", 0.0)
    sent = {rabbit.enqueue(effect.message(f"p{i}")).message_id for i in range(5)}
    consumer = rabbit.consume("default", prefetch=5, timeout=100)
    (first,) = take(consumer, 1)
    pause.pause(rabbit.client, "default")
    # Paused: the consumer cancels; what pika had prefetched goes back to the queue.
    assert next(consumer) is None and next(consumer) is None
    declared = rabbit.channel.queue_declare
    wait_for(lambda: declared("default", passive=True).method.message_count == 4)
    pause.resume(rabbit.client, "default")
    rest = take(consumer, 4)
    assert {m.message_id for m in [first, *rest]} == sent
    for m in [first, *rest]:
        consumer.ack(m)
    consumer.close()
