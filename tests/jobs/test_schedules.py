"""Every periodic job names a real actor, declared and on a real queue, and fires through it."""

from __future__ import annotations

import inspect

from dramatiq import Actor
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import worker.entry
from core.queueing.broker import build_middleware, configure
from core.queueing.queues import NAMES
from core.scheduling import fire
from core.settings import Settings
from jobs import schedules
from jobs.schedules import SCHEDULES
from models import Job
from models.db import session_scope
from tests.support.factories import Tenant


def test_ids_are_unique_and_findable() -> None:
    ids = [s.id for s in SCHEDULES]
    assert len(ids) == len(set(ids))
    assert all(schedules.find(i) is s for i, s in zip(ids, SCHEDULES, strict=True))
    assert schedules.find("nope") is None


def test_every_schedule_resolves_to_a_declared_actor_on_a_real_queue(settings: Settings) -> None:
    broker = configure(settings, StubBroker(middleware=build_middleware(None)))
    worker_modules = {m.__name__ for m in worker.entry.JOB_MODULES}
    for s in SCHEDULES:
        assert isinstance(s.actor, Actor), s.id
        # Declared: the broker a worker runs knows it under its name, as this very object.
        assert broker.get_actor(s.actor.actor_name) is s.actor, s.id
        assert s.actor.queue_name in NAMES, s.id
        assert s.actor.queue_name in broker.get_declared_queues(), s.id
        # Loaded by the worker processes, so a fired job has someone to run it.
        assert s.actor.fn.__module__ in worker_modules, s.id
        # A per-org fire passes the org id; a platform fire passes nothing.
        params = inspect.signature(s.actor.fn).parameters
        assert len(params) == (1 if s.per_org else 0), s.id
        assert s.every_s > 0


def test_each_fire_stages_its_actor(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    with session_scope(sessions) as session:
        for s in SCHEDULES:
            staged = fire(session, schedule_id=s.id, actor=s.actor, per_org=s.per_org, fired_at=0)
            assert staged == 1, s.id
    with sessions() as session:
        rows = {j.schedule_id: j for j in session.scalars(select(Job))}
    assert set(rows) == {s.id for s in SCHEDULES}
    for s in SCHEDULES:
        job = rows[s.id]
        assert (job.actor, job.queue, job.type) == (s.actor.actor_name, s.actor.queue_name, s.id)
        assert job.org_id == (tenant.org_id if s.per_org else None)
