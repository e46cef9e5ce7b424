"""Staging jobs in the outbox: the row, dedupe, the relay's wake-up, the message as JSON."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from dramatiq import Message
from sqlalchemy import Engine, event, func, update
from sqlalchemy.orm import Session, sessionmaker

import tests.support.actors  # noqa: F401
from core.queueing.outbox import LEDGER_OPTION, NOTIFY_CHANNEL, stage, stage_job, stage_many
from core.queueing.status_feed import ORG_OPTION
from core.settings import Settings
from models import Job, JobStatus
from models.db import session_scope
from tests.support.actors import effect, flaky
from tests.support.factories import Tenant


@pytest.fixture
def listener(settings: Settings, engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    """A connection listening on the relay's channel."""
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as conn:
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        yield conn


def _notified(conn: psycopg.Connection[Any], wait: float = 0.3) -> int:
    """How many notifications arrive on ``conn`` within ``wait`` seconds."""
    return sum(1 for _ in conn.notifies(timeout=wait))


def test_stage_job_writes_the_row(sessions: sessionmaker[Session], tenant: Tenant) -> None:
    actor = effect
    with session_scope(sessions) as s:
        job = stage_job(
            s,
            actor,
            job_type="test.effect",
            org_id=tenant.org_id,
            args=("k1",),
            params={"key": "k1"},
            created_by=tenant.member_id,
            schedule_id="every-minute",
        )
        assert job is not None
        job_id = job.id
    with sessions() as s:
        row = s.get(Job, job_id)
        assert row is not None
    assert row.id == uuid.UUID(row.message["message_id"])
    assert (row.org_id, row.type, row.actor, row.queue) == (
        tenant.org_id,
        "test.effect",
        "test.effect",
        "default",
    )
    assert (row.params, row.created_by, row.schedule_id, row.dedupe_key) == (
        {"key": "k1"},
        tenant.member_id,
        "every-minute",
        None,
    )
    assert (row.status, row.attempts, row.completed_attempts, row.progress) == (
        JobStatus.QUEUED,
        0,
        0,
        0,
    )
    assert row.dispatched_at is None and row.started_at is None and row.finished_at is None
    assert row.message["actor_name"] == "test.effect"
    assert row.message["queue_name"] == "default"
    assert row.message["args"] == ["k1"]
    assert row.message["options"] == {LEDGER_OPTION: True, ORG_OPTION: tenant.org_id}


def test_a_job_without_org_carries_no_org_option(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as s:
        job = stage_job(s, effect, job_type="t", org_id=None, args=("k",))
        assert job is not None
        assert job.params == {}
        assert job.message["options"] == {LEDGER_OPTION: True}


def test_a_dedupe_key_stages_once(sessions: sessionmaker[Session]) -> None:
    actor = effect
    with session_scope(sessions) as s:
        first = stage(s, actor, job_type="t", org_id=None, args=("a",), dedupe_key="warm:1")
    with session_scope(sessions) as s:
        again = stage_job(s, actor, job_type="t", org_id=None, args=("b",), dedupe_key="warm:1")
        other = stage(s, actor, job_type="t", org_id=None, args=("c",), dedupe_key="warm:2")
    assert first is not None and other is not None
    assert again is None
    with sessions() as s:
        row = s.get(Job, first)
        assert row is not None and row.message["args"] == ["a"] and row.dedupe_key == "warm:1"
        assert s.query(Job).count() == 2


def test_notify_is_sent_once_per_transaction_and_only_on_commit(
    engine: Engine, sessions: sessionmaker[Session], listener: psycopg.Connection[Any]
) -> None:
    actor = effect
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "pg_notify" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with sessions() as s:
            for i in range(3):
                stage(s, actor, job_type="t", org_id=None, args=(f"k{i}",))
            assert _notified(listener) == 0  # not before commit
            s.commit()
            assert _notified(listener) == 1  # one wake-up for three jobs
            # The next transaction of the same session wakes the relay again.
            stage(s, actor, job_type="t", org_id=None, args=("k3",))
            s.commit()
            assert _notified(listener) == 1
            # A rolled-back transaction wakes nobody.
            stage(s, actor, job_type="t", org_id=None, args=("k4",))
            s.rollback()
            assert _notified(listener) == 0
        # The outbox trigger sends it (migration 0016): no round trip of the stager's own.
        assert statements == []
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_job_staged_again_by_an_update_wakes_the_relay(
    sessions: sessionmaker[Session], listener: psycopg.Connection[Any]
) -> None:
    with session_scope(sessions) as s:
        job_id = stage(s, effect, job_type="t", org_id=None, args=("a",))
    assert _notified(listener) == 1
    with session_scope(sessions) as s:  # as the relay marks it sent: not staged
        s.execute(update(Job).where(Job.id == job_id).values(dispatched_at=func.now()))
    assert _notified(listener) == 0
    with session_scope(sessions) as s:  # as a retry queues it again
        s.execute(update(Job).where(Job.id == job_id).values(dispatched_at=None))
    assert _notified(listener) == 1


def test_a_deduplicated_staging_does_not_notify(
    sessions: sessionmaker[Session], listener: psycopg.Connection[Any]
) -> None:
    actor = effect
    with session_scope(sessions) as s:
        stage(s, actor, job_type="t", org_id=None, args=("a",), dedupe_key="once")
    assert _notified(listener) == 1
    with session_scope(sessions) as s:
        assert stage(s, actor, job_type="t", org_id=None, args=("a",), dedupe_key="once") is None
    assert _notified(listener) == 0


def test_the_staged_message_round_trips_through_json(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    actor = flaky
    with session_scope(sessions) as s:
        job_id = stage(s, actor, job_type="t", org_id=tenant.org_id, args=("key", 2))
    with sessions() as s:
        row = s.get(Job, job_id)
        assert row is not None
        stored = row.message
    assert json.loads(json.dumps(stored)) == stored
    # What the relay sends and a worker decodes is the message that was staged.
    decoded = Message.decode(Message(**stored).encode())
    assert json.loads(json.dumps(decoded.asdict())) == stored
    assert (decoded.message_id, decoded.actor_name, decoded.queue_name) == (
        str(job_id),
        "test.flaky",
        "critical",
    )
    assert list(decoded.args) == ["key", 2]
    assert decoded.options[LEDGER_OPTION] is True
    assert decoded.options[ORG_OPTION] == tenant.org_id


def test_stage_many_stages_each_job_in_one_statement_and_wakes_the_relay_once(
    engine: Engine,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    listener: psycopg.Connection[Any],
) -> None:
    inserts: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO JOBS"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_scope(sessions) as s:
            ids = stage_many(
                s,
                effect,
                job_type="test.effect",
                org_id=tenant.org_id,
                args=[(f"k{i}",) for i in range(250)],
                created_by=tenant.member_id,
            )
            assert stage_many(s, effect, job_type="t", org_id=None, args=[]) == []
            assert _notified(listener) == 0
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(inserts) == 1
    assert _notified(listener) == 1
    with sessions() as s:
        rows = {r.id: r for r in s.query(Job).filter(Job.id.in_(ids))}
    assert len(ids) == len(set(ids)) == len(rows) == 250
    for i, job_id in enumerate(ids):  # the ids come back in the order of the args
        row = rows[job_id]
        assert row.message["args"] == [f"k{i}"] and row.message["message_id"] == str(job_id)
        assert (row.org_id, row.type, row.status, row.created_by) == (
            tenant.org_id,
            "test.effect",
            JobStatus.QUEUED,
            tenant.member_id,
        )
        assert row.message["options"] == {LEDGER_OPTION: True, ORG_OPTION: tenant.org_id}
