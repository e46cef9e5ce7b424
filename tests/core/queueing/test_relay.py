"""The relay: batches, lost-message re-send, and maintenance of dead workers' messages."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
import pytest
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import worker.entry  # noqa: F401
from core.queueing import job_state
from core.queueing import relay as relay_module
from core.queueing.broker import configure
from core.queueing.brokers import BrokerUnavailable
from core.queueing.outbox import stage
from core.queueing.relay import Relay, read_heartbeat
from core.queueing.relay_sql import LAG_SQL
from core.queueing.supervisor import restarts
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.support.actors import effect
from tests.support.factories import stage_id
from tests.support.replies import blob
from tests.support.stack import wait_for


def _stage_many(sessions: sessionmaker[Session], n: int) -> list[uuid.UUID]:
    with session_scope(sessions) as s:
        return [stage_id(s, effect, job_type="t", org_id=None, args=(f"k{i}",)) for i in range(n)]


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
    assert all(broker.client.hexists(f"{ns}:default.msgs", r.redis_id or "") for r in rows if r)


def test_a_backlog_is_drained_on_several_connections_each_row_sent_once(
    settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    narrow = settings.replace(broker={"relay_batch_size": 5, "relay_connections": 3})
    broker = configure(narrow)
    assert isinstance(broker, RedisBroker)
    ids = _stage_many(sessions, 300)
    relay = Relay(narrow, broker)
    assert relay.width == 3
    batches: list[tuple[int, int]] = []  # (connection, rows) of every batch, as it ends
    claim = relay.drain_once

    def recorded(conn: psycopg.Connection[Any]) -> int:
        n = claim(conn)
        batches.append((id(conn), n))
        return n

    monkeypatch.setattr(relay, "drain_once", recorded)
    with relay.connections() as (conn, helpers):
        assert len(helpers) == 2 and len({id(c) for c in (conn, *helpers)}) == 3
        assert relay.drain(conn, helpers) == 300
        assert relay.drain(conn, helpers) == 0  # a batch short of full: helpers stay idle
        assert _outbox(conn) == []
    assert sum(n for _, n in batches) == 300
    assert len({c for c, n in batches if n}) > 1  # the helpers claimed batches too
    ns = broker.namespace
    queued = broker.client.lrange(f"{ns}:default", 0, -1)
    assert len(queued) == len(set(queued)) == 300  # every job once, none twice
    with sessions() as s:
        rows = [s.get(Job, i) for i in ids]
    assert {r.redis_id for r in rows if r and r.dispatched_at} == {blob(q).decode() for q in queued}


def test_a_helper_that_fails_loses_nothing(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    narrow = settings.replace(broker={"relay_batch_size": 5, "relay_connections": 2})
    broker = configure(narrow)
    assert isinstance(broker, RedisBroker)
    _stage_many(sessions, 50)
    relay = Relay(narrow, broker)
    with relay.connections() as (conn, helpers):
        helpers[0].close()  # as if PostgreSQL dropped it
        with pytest.raises(psycopg.OperationalError):
            relay.drain(conn, helpers)  # raised once the other connection is idle
        relay.drain(conn)  # what the failing pass left, if anything
        assert _outbox(conn) == []
    queued = broker.client.lrange(f"{broker.namespace}:default", 0, -1)
    assert len(queued) == len(set(queued)) == 50


def _outbox(conn: psycopg.Connection[Any]) -> list[uuid.UUID]:
    return [r[0] for r in conn.execute("SELECT job_id FROM job_outbox ORDER BY due_at, job_id")]


def test_the_outbox_holds_exactly_the_staged_jobs_and_a_canceled_one_is_not_sent(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    sent, canceled = _stage_many(sessions, 2)
    with session_scope(sessions) as s:
        assert job_state.cancel(s, canceled)
    relay = Relay(settings, broker)
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        assert sorted(_outbox(conn)) == sorted([sent, canceled])  # a staging trigger each
        assert relay.drain(conn) == 2  # both rows taken; one message sent
        assert _outbox(conn) == []
        assert broker.client.llen(f"{broker.namespace}:default") == 1
        with session_scope(sessions) as s:
            job = s.get(Job, canceled)
            assert job is not None and job.status == "canceled" and job.dispatched_at is None
            # Queued again (the explorer's retry, a dead letter): staged, in the outbox again.
            assert job_state.requeue(s, canceled, job.message)
        assert _outbox(conn) == [canceled]
        assert relay.drain(conn) == 1
        assert _outbox(conn) == []
    assert broker.client.llen(f"{broker.namespace}:default") == 2


def test_the_stamp_sets_no_indexed_column_so_it_is_a_heap_only_update(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    # Any index naming a column the relay stamps (in its key or its predicate) would make
    # every stamp write an entry into each of the table's indexes (0034-job-outbox-table).
    stamped = ("dispatched_at", "updated_at", "redis_id", "redis_queue")
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        defs = [
            r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'jobs'")
        ]
        assert len(defs) > 5
        assert [d for d in defs if any(c in d for c in stamped)] == []
        options = conn.execute("SELECT reloptions FROM pg_class WHERE relname = 'jobs'").fetchone()
        assert options == (["fillfactor=50"],)  # room on the page for the stamp's version


def test_a_message_json_allows_but_orjson_does_not_is_sent_as_is(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    with session_scope(sessions) as s:
        job_id = stage(s, effect, job_type="t", org_id=None, args=(2**70,))
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        assert Relay(settings, broker).drain(conn) == 1
    with sessions() as s:
        row = s.get(Job, job_id)
        assert row is not None and row.status == "queued" and row.redis_id
    body = broker.client.hget(f"{broker.namespace}:default.msgs", row.redis_id)
    assert Message.decode(blob(body)).args == (2**70,)  # exact, not a float


def test_lost_messages_are_sent_again(settings: Settings, sessions: sessionmaker[Session]) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    relay = Relay(settings, broker)
    _kept, lost = _stage_many(sessions, 2)
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        relay.drain(conn)
        with sessions() as s:
            gone = s.get(Job, lost)
            assert gone is not None and gone.redis_id is not None
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
    assert again.redis_id is not None
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


class _CrashingRelay(Relay):
    """A relay whose first pass hits a bug (an exception no loop expects)."""

    crashes = 1

    def tick(
        self, conn: psycopg.Connection[Any], helpers: Sequence[psycopg.Connection[Any]] = ()
    ) -> None:
        if self.crashes:
            self.crashes -= 1
            raise RuntimeError("a bug in the relay")
        super().tick(conn, helpers)


def test_a_relay_that_crashes_is_restarted_counted_and_keeps_draining(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    ids = _stage_many(sessions, 3)
    relay = _CrashingRelay(settings, broker)
    before = restarts("relay")
    thread = threading.Thread(target=relay.run_supervised, daemon=True)
    thread.start()
    try:

        def dispatched() -> bool:
            with sessions() as s:
                return all(s.get(Job, i).dispatched_at is not None for i in ids)  # type: ignore[union-attr]

        wait_for(dispatched, timeout=15)
        assert restarts("relay") == before + 1
        beat = wait_for(lambda: read_heartbeat(broker.client), timeout=5)
        assert time.time() - beat["at"] < 5 and beat["restarts"] == before + 1
    finally:
        relay.stop()
        thread.join(10)
    assert not thread.is_alive()  # stop() ends the supervised loop too


def test_lag_is_the_age_of_the_oldest_undispatched_job(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        assert conn.execute(LAG_SQL).fetchone() == (None,)
        _stage_many(sessions, 2)
        # Staged 90 s ago (the outbox row says when each is due: at its staging here).
        conn.execute("UPDATE job_outbox SET due_at = now() - interval '90 seconds'")
        row = conn.execute(LAG_SQL).fetchone()
        assert row is not None and 89 < float(row[0]) < 120
        # Not yet due (a debounced job): not late.
        conn.execute("UPDATE job_outbox SET due_at = now() + interval '5 seconds'")
        assert conn.execute(LAG_SQL).fetchone() == (None,)


def _info_calls(client: Any) -> int:
    stats = client.info("commandstats").get("cmdstat_info", {})
    return int(stats.get("calls", 0)) if isinstance(stats, dict) else 0


def test_a_recent_under_limit_answer_is_reused_without_asking_the_broker(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    relay = Relay(settings, broker)
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        _stage_many(sessions, 2)
        before = _info_calls(broker.client)
        relay.tick(conn)  # the first pass asks (INFO memory; the count's own INFO is +1)
        assert _info_calls(broker.client) - before == 2
        _stage_many(sessions, 2)
        before = _info_calls(broker.client)
        relay.tick(conn)  # within a second of a clear answer: sent without asking
        assert _info_calls(broker.client) - before == 1  # only the count's own INFO
    assert broker.client.llen(f"{broker.namespace}:default") == 4


def test_a_reused_answer_lets_one_batch_through_then_a_fresh_check_holds_the_rest(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    local = settings.replace(broker={"relay_batch_size": 4, "queue_max_depth": 3})
    broker = configure(local)
    assert isinstance(broker, RedisBroker)
    relay = Relay(local, broker)
    queue = f"{broker.namespace}:default"
    with psycopg.connect(local.database.psycopg_dsn, autocommit=True) as conn:
        _stage_many(sessions, 2)
        relay.tick(conn)  # an empty broker: a clear answer, both sent
        assert broker.client.llen(queue) == 2
        _stage_many(sessions, 10)
        relay.tick(conn)  # reused: one full batch, then a fresh check finds 6 ≥ 3 and holds
        assert broker.client.llen(queue) == 6
        relay.tick(conn)  # over the limit: the next pass asks again, and sends nothing
        assert broker.client.llen(queue) == 6
        assert len(_outbox(conn)) == 6


def test_an_answer_older_than_the_reuse_window_is_asked_again(
    settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "CLEAR_REUSE_S", 0.0)
    local = settings.replace(broker={"queue_max_depth": 3})
    broker = configure(local)
    assert isinstance(broker, RedisBroker)
    relay = Relay(local, broker)
    queue = f"{broker.namespace}:default"
    with psycopg.connect(local.database.psycopg_dsn, autocommit=True) as conn:
        _stage_many(sessions, 3)
        relay.tick(conn)
        assert broker.client.llen(queue) == 3
        _stage_many(sessions, 1)
        relay.tick(conn)  # no reuse: the check sees 3 ready and holds the new one
        assert broker.client.llen(queue) == 3
        assert len(_outbox(conn)) == 1


def test_a_batch_the_broker_refuses_stays_staged_and_the_connection_is_left_idle(
    settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    ids = _stage_many(sessions, 3)
    relay = Relay(settings, broker)

    def refuse(messages: Any) -> Any:
        raise BrokerUnavailable("the broker is down")

    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        monkeypatch.setattr(relay.publisher, "publish", refuse)
        with pytest.raises(BrokerUnavailable):
            relay.drain_once(conn)
        # Rolled back: not in a transaction, the claimed rows back in the outbox.
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert sorted(_outbox(conn)) == sorted(ids)
        monkeypatch.undo()
        assert relay.drain_once(conn) == 3  # the same connection, its statements prepared again
        assert _outbox(conn) == []
    assert broker.client.llen(f"{broker.namespace}:default") == 3


def test_the_relays_commits_do_not_wait_for_the_wal_flush(settings: Settings) -> None:
    wide = settings.replace(broker={"relay_connections": 2})
    relay = Relay(wide, configure(wide))
    with relay.connections() as (conn, helpers):
        for c in (conn, *helpers):
            row = c.execute("SHOW synchronous_commit").fetchone()
            assert row == ("off",)
        assert len(helpers) == 1
    # Anything else on the database keeps PostgreSQL's default.
    with psycopg.connect(settings.database.psycopg_dsn) as other:
        assert other.execute("SHOW synchronous_commit").fetchone() == ("on",)
