"""The relay: batches, lost-message re-send, and maintenance of dead workers' messages."""

from __future__ import annotations

import time
import uuid

import psycopg
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import worker.entry  # noqa: F401
from core.queueing.broker import configure
from core.queueing.outbox import stage
from core.queueing.relay import Relay
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.support.actors import effect


def _stage_many(sessions: sessionmaker[Session], n: int) -> list[uuid.UUID]:
    with session_scope(sessions) as s:
        return [stage(s, effect, job_type="t", org_id=None, args=(f"k{i}",)) for i in range(n)]


def test_drain_sends_in_batches_and_stamps_rows(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    broker = configure(settings.replace(broker={"relay_batch_size": 4}))
    assert isinstance(broker, RedisBroker)
    ids = _stage_many(sessions, 10)
    relay = Relay(settings.replace(broker={"relay_batch_size": 4}), broker)
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        assert relay.drain_once(conn) == 4
        assert relay.drain(conn) == 6
        assert relay.drain(conn) == 0
    ns = broker.namespace
    assert broker.client.llen(f"{ns}:default") == 10
    with sessions() as s:
        rows = [s.get(Job, i) for i in ids]
    assert all(r is not None and r.dispatched_at and r.redis_id for r in rows)
    assert all(broker.client.hexists(f"{ns}:default.msgs", r.redis_id) for r in rows if r)


def test_lost_messages_are_sent_again(settings: Settings, sessions: sessionmaker[Session]) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    relay = Relay(settings, broker)
    _kept, lost = _stage_many(sessions, 2)
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        relay.drain(conn)
        with sessions() as s:
            gone = s.get(Job, lost)
            assert gone is not None
            old_rid = gone.redis_id
        ns = broker.namespace
        broker.client.hdel(f"{ns}:default.msgs", old_rid)  # as if Redis lost it
        broker.client.lrem(f"{ns}:default", 0, old_rid)
        conn.execute(text("UPDATE jobs SET updated_at = now() - interval '1 hour'").text)
        assert relay.resend_lost(conn) == 1
        assert relay.resend_lost(conn) == 0
    with sessions() as s:
        again = s.get(Job, lost)
        assert again is not None and again.redis_id != old_rid
    assert broker.client.hexists(f"{ns}:default.msgs", again.redis_id)
    assert broker.client.llen(f"{ns}:default") == 2


def test_maintenance_requeues_a_dead_workers_messages(settings: Settings) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    client, ns = broker.client, broker.namespace
    # A worker fetched a message, then died: its heartbeat is old, the id is in its ack set.
    client.hset(f"{ns}:default.msgs", "m1", b"{}")
    client.sadd(f"{ns}:__acks__.deadworker.default", "m1")
    client.zadd(f"{ns}:__heartbeats__", {"deadworker": int(time.time() * 1000) - 3_600_000})
    Relay(settings, broker).maintain()
    assert client.lrange(f"{ns}:default", 0, -1) == [b"m1"]
    assert not client.exists(f"{ns}:__acks__.deadworker.default")
