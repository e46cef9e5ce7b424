"""Search test helpers: run staged jobs through Dramatiq's StubBroker, load test records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from dramatiq import Message, Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.broker import build_middleware, configure
from core.queueing.queues import NAMES
from core.settings import Settings
from jobs import runtime
from models import Job
from models.db import session_scope


def run_staged_jobs(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    rounds: int = 10,
    skip: tuple[str, ...] = (),
) -> list[str]:
    """Send every staged job (and those they stage) through a StubBroker and a Worker, the
    way the relay would; return the job types run, in order. Job failures re-raise.
    Jobs of the types in ``skip`` are marked sent but not run (they need a Redis broker)."""
    broker = StubBroker(middleware=build_middleware(settings))
    configure(settings, broker)
    runtime.init(settings, sessions)
    worker = Worker(broker, worker_timeout=20)
    worker.start()
    ran: list[str] = []
    try:
        for _ in range(rounds):
            with session_scope(sessions) as s:
                jobs = s.scalars(
                    select(Job)
                    .where(Job.dispatched_at.is_(None), Job.status == "queued")
                    .order_by(Job.created_at)
                ).all()
                for job in jobs:
                    job.dispatched_at = datetime.now(UTC)
                messages = [(job.type, job.message) for job in jobs if job.type not in skip]
            if not jobs:
                break
            for job_type, message in messages:
                ran.append(job_type)
                broker.enqueue(Message(**message))
            for queue in NAMES:
                if queue in broker.queues:
                    broker.join(queue, fail_fast=True)
            worker.join()
    finally:
        worker.stop()
    return ran


def add_contacts(
    session: Session, org_id: int, names: Iterable[str], *, company_id: int | None = None
) -> list[int]:
    """Insert contacts named ``"First Last"`` directly (no hooks); their ids."""
    ids = []
    for name in names:
        first, _, last = name.partition(" ")
        ids.append(
            session.execute(
                text(
                    "INSERT INTO contacts (org_id, first_name, last_name, company_id) "
                    "VALUES (:org, :first, :last, :company) RETURNING id"
                ),
                {"org": org_id, "first": first, "last": last or None, "company": company_id},
            ).scalar_one()
        )
    return ids


def titles(items: list[dict[str, Any]]) -> list[str]:
    """The titles of search items, in order."""
    return [item["title"] for item in items]
