"""Actors through Dramatiq's StubBroker with our middleware: progress and the ledger."""

from __future__ import annotations

import uuid

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.broker import actor, build_middleware, configure
from core.queueing.outbox import stage
from core.settings import Settings
from jobs import runtime
from models import Company, Job
from models.db import session_scope
from tests.support.factories import Tenant

PROGRESS: list[int] = []


@actor(actor_name="test.progress", queue_name="bulk", max_retries=0)
def progress_job(steps: int) -> int:
    for i in range(1, steps + 1):
        runtime.report_progress(i * 100 // steps)
        with runtime.session_scope() as s:
            current = dramatiq.middleware.CurrentMessage.get_current_message()
            assert current is not None
            job = s.get(Job, uuid.UUID(current.message_id))
            assert job is not None
            PROGRESS.append(job.progress)
    return steps


def test_progress_and_outcome_are_recorded(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    broker = StubBroker(middleware=build_middleware(settings))
    configure(settings, broker)
    runtime.init(settings, sessions)
    with session_scope(sessions) as s:
        job_id = stage(s, progress_job, job_type="t", org_id=None, args=(4,))
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        broker.enqueue(dramatiq.Message(**job.message))
    worker = Worker(broker, worker_timeout=50)
    worker.start()
    try:
        broker.join("bulk", fail_fast=True)
        worker.join()
    finally:
        worker.stop()
    assert PROGRESS == [25, 50, 75, 100]
    with sessions() as s:
        done = s.get(Job, job_id)
        assert done is not None and done.status == "succeeded" and done.result == 4


SEEN: list[tuple[int | None, list[int]]] = []


@actor(actor_name="test.unfiltered", queue_name="bulk", max_retries=0)
def unfiltered_job() -> None:
    with runtime.session_scope() as s:
        # No org filter at all: row-level security answers the job's org's rows only.
        SEEN.append((runtime.message_org(), sorted(s.scalars(select(Company.org_id)))))


def test_a_jobs_sessions_are_walled_to_its_org(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    broker = StubBroker(middleware=build_middleware(settings))
    configure(settings, broker)
    runtime.init(settings, sessions)
    SEEN.clear()
    with session_scope(sessions) as s:
        s.add_all([Company(org_id=t.org_id, name="C") for t in (tenant, other_tenant)])
        ids = [
            stage(s, unfiltered_job, job_type="t", org_id=org, args=())
            for org in (tenant.org_id, None)
        ]
    with sessions() as s:
        for job_id in ids:
            broker.enqueue(dramatiq.Message(**s.get_one(Job, job_id).message))
    worker = Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    try:
        broker.join("bulk", fail_fast=True)
        worker.join()
    finally:
        worker.stop()
    assert sorted(SEEN, key=lambda seen: seen[0] is None) == [
        (tenant.org_id, [tenant.org_id]),
        (None, sorted([tenant.org_id, other_tenant.org_id])),  # platform-wide work
    ]


def test_session_scope_needs_init() -> None:
    runtime._Runtime.factory = None
    with pytest.raises(RuntimeError, match="init"), runtime.session_scope():
        pass
