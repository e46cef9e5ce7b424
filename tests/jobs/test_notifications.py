"""Notification fan-out and email, with a real SMTP server on loopback."""

from __future__ import annotations

import email.message
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.notify import email as mail
from core.notify.triggers import Event
from core.queueing.broker import configure
from core.settings import Settings
from jobs import notifications as jobs_notify
from jobs import runtime
from models import Activity, Delivery, Job, Notification, NotificationPreferences, User
from models.db import session_scope
from tests.support.factories import Tenant
from tests.support.replies import blob
from tests.support.smtp import Inbox, smtp_server


@pytest.fixture
def mailbox(
    settings: Settings, sessions: sessionmaker[Session]
) -> Iterator[tuple[Settings, Inbox]]:
    with smtp_server() as (port, inbox):
        local = settings.replace(notify={"smtp_port": port})
        configure(local)
        runtime.init(local, sessions)
        jobs_notify._mailer = None
        yield local, inbox
        jobs_notify._mailer = None


def _event(tenant: Tenant, urgency: str, key: str = "e1", **kw: object) -> Event:
    args: dict[str, object] = {
        "key": key,
        "org_id": tenant.org_id,
        "category": "deal.stage_changed",
        "urgency": urgency,
        "title": "Deal moved to Negotiation",
        "body": "Acme renewal: proposal → negotiation",
        "users": (tenant.member_id,),
        **kw,
    }
    return Event(**args)  # type: ignore[arg-type]


def _email_jobs(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as s:
        return [
            j.message["args"][0]
            for j in s.scalars(select(Job).where(Job.type == "notifications.email"))
        ]


def test_a_retried_event_notifies_each_recipient_once_per_channel(
    mailbox: tuple[Settings, Inbox], tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    _, inbox = mailbox
    event = _event(tenant, "critical", roles=("member", "admin", "operator"), users=())
    for _ in range(3):  # the trigger retried three times
        jobs_notify.fanout_event.fn(event.as_json())
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 3
        assert s.scalar(select(func.count()).select_from(Delivery)) == 9  # 3 users x 3 channels
    deliveries = _email_jobs(sessions)
    assert len(deliveries) == 3
    for did in deliveries * 2:  # every email job delivered twice
        jobs_notify.send_email.fn(did)
    assert sorted(m["To"] for m in inbox.messages) == sorted(
        f"{r}@org-a.test" for r in ("member", "admin", "operator")
    )
    msg = inbox.messages[0]
    assert msg["List-Unsubscribe"].startswith("<http") and msg.is_multipart()
    assert {p.get_content_type() for p in msg.walk()} >= {"text/plain", "text/html"}


def test_recipients_never_cross_orgs(
    mailbox: tuple[Settings, Inbox],
    tenant: Tenant,
    other_tenant: Tenant,
    sessions: sessionmaker[Session],
) -> None:
    jobs_notify.fanout_event.fn(_event(tenant, "normal", everyone=True, users=()).as_json())
    # An event naming another org's user id reaches nobody there.
    jobs_notify.fanout_event.fn(
        _event(tenant, "normal", key="e2", users=(other_tenant.member_id,)).as_json()
    )
    with sessions() as s:
        orgs = set(
            s.scalars(select(User.org_id).join(Notification, Notification.user_id == User.id))
        )
        assert orgs == {tenant.org_id}
        assert s.scalar(select(func.count()).select_from(Notification)) == 3


def test_preferences_mute_and_critical_bypasses(
    mailbox: tuple[Settings, Inbox], tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    with session_scope(sessions) as s:
        s.add(
            NotificationPreferences(user_id=tenant.member_id, data={"channels": {"email": False}})
        )
    jobs_notify.fanout_event.fn(_event(tenant, "high", key="muted").as_json())
    jobs_notify.fanout_event.fn(_event(tenant, "critical", key="loud").as_json())
    with sessions() as s:
        rows = s.execute(
            select(Notification.event_key, Delivery.status, Delivery.reason)
            .join(Delivery, Delivery.notification_id == Notification.id)
            .where(Delivery.channel == "email")
        ).all()
    by_key = {k: (status, reason) for k, status, reason in rows}
    assert by_key["muted"] == ("skipped", "preferences: channel email off")
    assert by_key["loud"][0] == "pending"
    with sessions() as s:
        routing = s.scalar(select(Notification.routing).where(Notification.event_key == "muted"))
    assert routing is not None and any("channel email off" in r["rule"] for r in routing)


def test_quiet_hours_defer_then_deliver(
    mailbox: tuple[Settings, Inbox], tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    settings, inbox = mailbox
    now = datetime.now(UTC)
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=1)).strftime("%H:%M")
    with session_scope(sessions) as s:
        s.add(
            NotificationPreferences(
                user_id=tenant.member_id, data={"quiet_hours": {"start": start, "end": end}}
            )
        )
    jobs_notify.fanout_event.fn(_event(tenant, "high", key="night").as_json())
    with session_scope(sessions) as s:
        email_row = s.scalars(select(Delivery).where(Delivery.channel == "email")).one()
        assert email_row.reason == "quiet hours: deferred"
        assert email_row.send_after is not None and email_row.send_after > now
        assert mail.due_deliveries(s, now) == []  # not yet
    with session_scope(sessions) as s:
        due = mail.due_deliveries(s, now + timedelta(hours=2))
        assert [d[1] for d in due] == ["email"]
        assert mail.send_delivery(s, due[0][0], settings, mail.Mailer(settings)) == "sent"
    assert len(inbox.messages) == 1


def test_escalation_emails_only_if_still_unread(
    mailbox: tuple[Settings, Inbox], tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    settings, inbox = mailbox
    jobs_notify.fanout_event.fn(_event(tenant, "high", key="read-it").as_json())
    jobs_notify.fanout_event.fn(_event(tenant, "high", key="ignore-it").as_json())
    with session_scope(sessions) as s:
        s.execute(
            update(Notification)
            .where(Notification.event_key == "read-it")
            .values(read_at=datetime.now(UTC))
        )
    later = datetime.now(UTC) + timedelta(minutes=settings.notify.escalation_minutes + 1)
    mailer = mail.Mailer(settings)
    with session_scope(sessions) as s:
        results = sorted(
            mail.send_delivery(s, did, settings, mailer)
            for did, _, _ in mail.due_deliveries(s, later)
        )
    assert results == ["sent", "skipped"]
    assert [m["Subject"] for m in inbox.messages] == ["Deal moved to Negotiation"]


def test_digest_collapses_many_events_into_one_email(
    mailbox: tuple[Settings, Inbox], tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    settings, inbox = mailbox
    for i in range(12):
        jobs_notify.fanout_event.fn(_event(tenant, "normal", key=f"d{i}").as_json())
    later = datetime.now(UTC) + timedelta(seconds=settings.notify.digest_window_s + 1)
    with session_scope(sessions) as s:
        assert mail.send_digests(s, settings, mail.Mailer(settings), later) == 1
    with session_scope(sessions) as s:
        assert mail.send_digests(s, settings, mail.Mailer(settings), later) == 0  # nothing twice
    assert len(inbox.messages) == 1
    part = inbox.messages[0].get_payload(0)
    assert isinstance(part, email.message.Message)
    body = blob(part.get_payload(decode=True)).decode()
    assert "12 deals moved to Negotiation" in body


def test_an_event_reaches_the_orgs_webhooks_once(
    mailbox: tuple[Settings, Inbox], tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    from models import WebhookDelivery, WebhookEndpoint

    with session_scope(sessions) as s:
        s.add(
            WebhookEndpoint(
                org_id=tenant.org_id, url="https://hooks.example/x", events=["*"], secret="whsec_x"
            )
        )
    for _ in range(2):
        jobs_notify.fanout_event.fn(_event(tenant, "normal", key="hooked").as_json())
    with sessions() as s:
        rows = s.scalars(select(WebhookDelivery)).all()
    assert [(r.event_key, r.event_type, r.payload["title"]) for r in rows] == [
        ("hooked", "deal.stage_changed", "Deal moved to Negotiation")
    ]


def test_tasks_due_pages_past_a_backlog_so_newly_due_tasks_are_notified(
    mailbox: tuple[Settings, Inbox],
    tenant: Tenant,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs_notify, "TASKS_DUE_PAGE", 7)  # a backlog of several pages
    now = datetime.now(UTC)
    with session_scope(sessions) as s:
        for i in range(20):  # long overdue, never done
            s.add(_task(tenant, f"old {i}", now - timedelta(days=10, minutes=i)))
    assert jobs_notify.tasks_due() == 20
    assert jobs_notify.tasks_due() == 0  # once per task and due time
    with session_scope(sessions) as s:
        s.add(_task(tenant, "fresh", now - timedelta(seconds=1)))
        moved = s.scalars(select(Activity).where(Activity.subject == "old 3")).one()
        moved.due_at = now - timedelta(seconds=2)  # rescheduled: due again
    assert jobs_notify.tasks_due() == 2
    with sessions() as s:
        fanouts = s.scalar(
            select(func.count()).select_from(Job).where(Job.type == "notifications.fanout")
        )
    assert fanouts == 22


def _task(tenant: Tenant, subject: str, due_at: datetime) -> Activity:
    return Activity(
        org_id=tenant.org_id,
        owner_id=tenant.member_id,
        kind="task",
        subject=subject,
        due_at=due_at,
        done=False,
    )


def test_due_deliveries_are_staged_once_each_under_their_own_org(
    mailbox: tuple[Settings, Inbox],
    tenant: Tenant,
    other_tenant: Tenant,
    sessions: sessionmaker[Session],
) -> None:
    for who, key in ((tenant, "due-a"), (tenant, "due-b"), (other_tenant, "due-c")):
        jobs_notify.fanout_event.fn(_event(who, "high", key=key).as_json())  # email escalates
    assert _email_jobs(sessions) == []  # deferred: nothing staged yet
    with session_scope(sessions) as s:
        s.execute(
            update(Delivery)
            .where(Delivery.channel == "email")
            .values(send_after=datetime.now(UTC) - timedelta(seconds=1))
        )
    inserts: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("INSERT INTO jobs"):
            inserts.append(statement)

    engine = sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert jobs_notify.send_due.fn() == 3
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(inserts) == 2  # one statement per org, not one per delivery
    with sessions() as s:
        staged = {
            message["args"][0]: org_id
            for message, org_id in s.execute(
                select(Job.message, Job.org_id).where(Job.type == "notifications.email")
            )
        }
        due = dict(
            s.execute(
                select(Delivery.id, Notification.org_id)
                .join(Notification, Notification.id == Delivery.notification_id)
                .where(Delivery.channel == "email")
            ).all()
        )
    assert staged == due
    assert sorted(due.values()) == sorted([tenant.org_id] * 2 + [other_tenant.org_id])
