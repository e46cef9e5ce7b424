"""Helpers for the ops tests that run on both job brokers (fixtures ``job_settings``,
``job_broker``, ``job_ops`` in ``tests/conftest.py``: Redis, then the private RabbitMQ node,
which ``make test`` boots; a missing node fails the ``rabbitmq`` parameter, never skips it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from dramatiq import Broker, Message
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from core.ops.brokerops import BrokerOps
from core.queueing.outbox import stage, stage_job
from core.queueing.relay import Relay
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.support.actors import effect
from tests.support.consuming import take
from tests.support.stack import wait_for


def kill(broker: Broker, ops: BrokerOps, messages: list[Message[Any]]) -> list[str]:
    """Send ``messages`` (one queue), fetch and nack them as a worker whose retries are
    spent does, and wait until the broker lists them as dead letters; their ids.

    RabbitMQ dead-letters a nacked message asynchronously (to ``q.XQ`` through the
    dead-letter exchange), hence the wait; on Redis the nack moves it at once."""
    queue = messages[0].queue_name
    before = ops.count(queue=queue)
    for message in messages:
        broker.enqueue(message)
    consumer = broker.consume(queue, prefetch=len(messages), timeout=100)
    for got in take(consumer, len(messages)):
        consumer.nack(got)
    consumer.close()  # RabbitMQ: runs the nacks queued for the connection's thread
    wait_for(lambda: ops.count(queue=queue) == before + len(messages))
    return [m.message_id for m in messages]


N_READY, M_DELAYED, K_IN_FLIGHT, D_DEAD = 5, 3, 2, 4
#: How long ago the ready jobs were staged (their message timestamp and ledger row agree).
AGE_S = 300


def _relay(settings: Settings, broker: Broker) -> None:
    relay = Relay(settings, broker)
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        relay.drain(conn)
    relay.publisher.close()


def known_state(
    settings: Settings, broker: Broker, ops: BrokerOps, sessions: sessionmaker[Session]
) -> Any:
    """On ``default``: D dead, K in flight (relayed, fetched by a consumer that never acks,
    and running in the ledger, as a worker would have them), N ready (relayed, staged
    :data:`AGE_S` ago), M delayed. Returns the blocked consumer: keep it until the end."""
    kill(broker, ops, [effect.message(f"dead{i}") for i in range(D_DEAD)])
    with session_scope(sessions) as s:
        flying = [
            stage(s, effect, job_type="t", org_id=None, args=(f"fly{i}",))
            for i in range(K_IN_FLIGHT)
        ]
    _relay(settings, broker)
    blocked = broker.consume("default", prefetch=K_IN_FLIGHT, timeout=100)
    take(blocked, K_IN_FLIGHT)
    with session_scope(sessions) as s:
        s.execute(update(Job).where(Job.id.in_(flying)).values(status="running", attempts=1))
        staged_at = datetime.now(UTC) - timedelta(seconds=AGE_S)
        for i in range(N_READY):
            job = stage_job(s, effect, job_type="t", org_id=None, args=(f"ready{i}",))
            assert job is not None
            job.created_at = staged_at
            job.message = {**job.message, "message_timestamp": int(staged_at.timestamp() * 1000)}
    _relay(settings, broker)
    for i in range(M_DELAYED):
        broker.enqueue(effect.message(f"later{i}"), delay=600_000)
    return blocked
