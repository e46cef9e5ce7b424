"""A notification event redelivered to the real worker still reaches each user once per channel."""

from __future__ import annotations

from pathlib import Path

from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.notify.triggers import Event
from core.queueing.broker import configure
from core.settings import Settings
from models import Delivery, Job, Notification
from models.db import session_scope
from tests.support.factories import Tenant
from tests.support.smtp import smtp_server
from tests.support.stack import RelayThread, WorkerProcess, wait_for


def test_a_redelivered_event_notifies_each_recipient_once(
    settings: Settings,
    engine: object,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    tmp_path: Path,
) -> None:
    import jobs.notifications as jobs_notify

    with smtp_server() as (port, inbox):
        local = settings.replace(notify={"smtp_port": port})
        broker = configure(local)
        assert isinstance(broker, RedisBroker)
        event = Event(
            key="e2e:critical",
            org_id=tenant.org_id,
            category="broadcast",
            urgency="critical",
            title="Server room on fire",
            roles=("member", "admin", "operator"),
        )
        with session_scope(sessions) as s:
            jobs_notify.emit(s, [event])
            jobs_notify.emit(s, [event])  # a retried trigger: staged once
        worker = WorkerProcess(local, tmp_path / "worker.log")
        delivery = WorkerProcess(local, tmp_path / "delivery.log", pool="delivery")
        worker.start()
        delivery.start()
        try:
            with RelayThread(local, broker):
                with sessions() as s:
                    staged = s.scalars(select(Job).where(Job.type == "notifications.fanout")).one()
                wait_for(lambda: _count(sessions, Notification) == 3, timeout=40)
                wait_for(lambda: len(inbox.messages) == 3, timeout=40)
                # The same message again, as a worker killed mid-job would see it redelivered:
                # its job still "running", so the ledger lets it run a second time.
                with session_scope(sessions) as s:
                    s.execute(update(Job).where(Job.id == staged.id).values(status="running"))
                broker.enqueue(Message(**staged.message))
                wait_for(lambda: _attempts(sessions, staged.id) == (2, "succeeded"), timeout=40)
                wait_for(lambda: _sent_emails(sessions) == 3, timeout=20)
        finally:
            worker.stop()
            delivery.stop()
    assert _count(sessions, Notification) == 3
    assert _count(sessions, Delivery) == 9
    assert sorted(m["To"] for m in inbox.messages) == sorted(
        f"{r}@org-a.test" for r in ("member", "admin", "operator")
    )


def _count(sessions: sessionmaker[Session], model: object) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def _sent_emails(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.channel == "email", Delivery.status == "sent")
            )
            or 0
        )


def _attempts(sessions: sessionmaker[Session], job_id: object) -> tuple[int, str]:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job.attempts, job.status
