"""Batches: counters moved by the triggers in the members' own transactions, one callback."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

import tests.support.actors  # noqa: F401
from core.queueing import batches, job_state
from core.queueing.ledger_store import LedgerStore
from core.settings import Settings
from models import Job, JobBatch, JobStatus
from models.db import session_scope
from tests.support.actors import batch_done, member
from tests.support.factories import Tenant
from tests.support.stack import wait_for


@pytest.fixture
def store(settings: Settings, engine: Engine) -> Iterator[LedgerStore]:
    s = LedgerStore(settings.database.psycopg_dsn)
    yield s
    s.close()


def _make(
    sessions: sessionmaker[Session], org_id: int | None, n: int, *, parent: uuid.UUID | None = None
) -> tuple[uuid.UUID, list[str]]:
    with session_scope(sessions) as s:
        batch_id = batches.open_batch(
            s, org_id=org_id, callback=batch_done, callback_args=("k",), parent_id=parent
        )
        ids = [
            str(
                batches.add(
                    s, batch_id, member, job_type="m", org_id=org_id, args=(str(i), "ok")
                ).id
            )
            for i in range(n)
        ]
        batches.seal(s, batch_id)
    return batch_id, ids


def _counts(sessions: sessionmaker[Session], batch_id: uuid.UUID) -> tuple[int, ...]:
    with sessions() as s:
        b = s.get(JobBatch, batch_id)
        assert b is not None
        return (b.total, b.pending, b.succeeded, b.failed, b.canceled)


def _callbacks(sessions: sessionmaker[Session], batch_id: uuid.UUID) -> list[Job]:
    with sessions() as s:
        return list(s.scalars(select(Job).where(Job.actor == "test.batch_done")))


def _finish(store: LedgerStore, job_id: str, how: str) -> None:
    assert store.start(job_id) == 0
    if how == "ok":
        store.succeeded(job_id, None)
    else:
        status = job_state.failure_status(gave_up=True) if how == "fail" else None
        if status is None:
            store.execute(job_state.DEAD_SQL, ("stopped", job_id))
        else:
            store.execute(job_state.FAIL_SQL, (status, "boom", status, job_id, "Traceback: boom"))


def _status(sessions: sessionmaker[Session], job_id: uuid.UUID) -> str:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job.status


def test_counts_follow_the_ledger_and_the_callback_is_staged_once(
    sessions: sessionmaker[Session], tenant: Tenant, store: LedgerStore
) -> None:
    batch_id, ids = _make(sessions, tenant.org_id, 4)
    assert _counts(sessions, batch_id) == (4, 4, 0, 0, 0)
    _finish(store, ids[0], "ok")
    _finish(store, ids[1], "fail")
    _finish(store, ids[2], "dead")
    wait_for(lambda: _counts(sessions, batch_id)[1] == 1)
    assert _callbacks(sessions, batch_id) == []
    assert _status(sessions, batch_id) == JobStatus.RUNNING
    _finish(store, ids[3], "ok")
    wait_for(lambda: _counts(sessions, batch_id)[1] == 0)
    assert _counts(sessions, batch_id) == (4, 0, 2, 2, 0)
    [callback] = _callbacks(sessions, batch_id)
    # Staged in the outbox (the relay sends it), with the batch id first.
    assert callback.status == JobStatus.QUEUED and callback.dispatched_at is None
    assert callback.message["args"] == [str(batch_id), "k"]
    assert callback.org_id == tenant.org_id
    with sessions() as s:
        job = s.get(Job, batch_id)
        assert job is not None
        assert job.status == JobStatus.FAILED and job.progress == 100
        assert job.result == {"total": 4, "succeeded": 2, "failed": 2, "canceled": 0}
    # A redelivered success of a finished member moves nothing and stages nothing again.
    store.succeeded(ids[3], None)
    store.execute("UPDATE jobs SET status = 'succeeded' WHERE id = %s", (ids[0],))
    assert _counts(sessions, batch_id) == (4, 0, 2, 2, 0)
    assert len(_callbacks(sessions, batch_id)) == 1


def test_cancel_cancels_queued_members_and_fires_when_the_rest_end(
    sessions: sessionmaker[Session], tenant: Tenant, store: LedgerStore
) -> None:
    batch_id, ids = _make(sessions, tenant.org_id, 3)
    assert store.start(ids[0]) == 0  # running: not canceled
    with session_scope(sessions) as s:
        assert batches.cancel(s, batch_id, starts=None) == 2
    assert _counts(sessions, batch_id) == (3, 1, 0, 0, 2)
    assert _callbacks(sessions, batch_id) == []
    store.succeeded(ids[0], None)
    wait_for(lambda: _counts(sessions, batch_id) == (3, 0, 1, 0, 2))
    assert len(_callbacks(sessions, batch_id)) == 1
    assert _status(sessions, batch_id) == JobStatus.SUCCEEDED


def test_empty_batch_fires_on_seal(sessions: sessionmaker[Session], tenant: Tenant) -> None:
    batch_id, _ = _make(sessions, tenant.org_id, 0)
    assert len(_callbacks(sessions, batch_id)) == 1
    assert _status(sessions, batch_id) == JobStatus.SUCCEEDED


def test_nested_batch_and_member_added_later(
    sessions: sessionmaker[Session], tenant: Tenant, store: LedgerStore
) -> None:
    parent, [spawner_id] = _make(sessions, tenant.org_id, 1)
    child, [child_member] = _make(sessions, tenant.org_id, 1, parent=parent)
    assert _counts(sessions, parent) == (2, 2, 0, 0, 0)  # the spawner and the child batch
    # The first member adds one more to the parent before it finishes (same transaction
    # as its own work; its success is written after).
    with session_scope(sessions) as s:
        later = batches.add(s, parent, member, job_type="m", org_id=tenant.org_id, args=("x", "ok"))
        later_id = str(later.id)
    _finish(store, spawner_id, "ok")
    _finish(store, child_member, "ok")
    wait_for(lambda: _status(sessions, child) == JobStatus.SUCCEEDED)
    # The child's callback joined the parent, which now waits for it and the later member.
    child_callback = next(j for j in _callbacks(sessions, parent) if j.batch_id == parent)
    assert _counts(sessions, parent) == (4, 2, 2, 0, 0)
    _finish(store, later_id, "ok")
    _finish(store, str(child_callback.id), "ok")
    wait_for(lambda: _status(sessions, parent) == JobStatus.SUCCEEDED)
    assert _counts(sessions, parent) == (4, 0, 4, 0, 0)
    assert len(_callbacks(sessions, parent)) == 2  # one per batch


def test_requeued_dead_member_is_pending_again(
    sessions: sessionmaker[Session], tenant: Tenant, store: LedgerStore
) -> None:
    batch_id, ids = _make(sessions, tenant.org_id, 2)
    _finish(store, ids[0], "dead")
    assert _counts(sessions, batch_id) == (2, 1, 0, 1, 0)
    with session_scope(sessions) as s:
        job = s.get(Job, uuid.UUID(ids[0]))
        assert job is not None
        job_state.requeue(s, job.id, job.message)
    assert _counts(sessions, batch_id) == (2, 2, 0, 0, 0)


def test_concurrent_flushes_on_two_batches_do_not_deadlock(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    a, ids_a = _make(sessions, tenant.org_id, 50)
    b, ids_b = _make(sessions, tenant.org_id, 50)
    with (
        psycopg.connect(settings.database.psycopg_dsn) as one,
        psycopg.connect(settings.database.psycopg_dsn) as two,
    ):
        # Opposite orders, both transactions open at once: locks are taken in batch id order.
        one.execute(
            "UPDATE jobs SET status = 'succeeded' WHERE id = ANY(%s)", (ids_a[:25] + ids_b[:25],)
        )
        one.commit()
        two.execute(
            "UPDATE jobs SET status = 'succeeded' WHERE id = ANY(%s)", (ids_b[25:] + ids_a[25:],)
        )
        two.commit()
    assert _counts(sessions, a) == (50, 0, 50, 0, 0)
    assert _counts(sessions, b) == (50, 0, 50, 0, 0)


def test_members_summary(
    sessions: sessionmaker[Session], tenant: Tenant, store: LedgerStore
) -> None:
    batch_id, ids = _make(sessions, tenant.org_id, 3)
    _finish(store, ids[0], "fail")
    with sessions() as s:
        s.execute(update(Job).where(Job.id == uuid.UUID(ids[1])).values(status="running"))
        s.commit()
        got: dict[str, Any] | None = batches.summary(s, batch_id)
    assert got is not None
    assert got["members"] == {"failed": 1, "running": 1, "queued": 1}
    assert (got["total"], got["pending"], got["progress"]) == (3, 2, 33)
