"""Email faults: a refused digest recipient, a line break in a subject (real SMTP on loopback)."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.notify import email as mail
from core.notify.triggers import Event
from core.queueing.broker import configure
from core.settings import Settings
from jobs import notifications as jobs_notify
from jobs import runtime
from models import Delivery, User
from models.db import session_scope
from tests.support.factories import Tenant
from tests.support.smtp import Inbox
from tests.support.stack import free_port


class RefusingInbox(Inbox):
    """Keeps what it receives, and refuses every recipient in ``refused`` (550)."""

    def __init__(self, refused: set[str]) -> None:
        super().__init__()
        self.refused = refused

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        message["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def refusing(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> Iterator[tuple[Settings, RefusingInbox]]:
    inbox = RefusingInbox({"admin@org-a.test"})
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    local = settings.replace(notify={"smtp_port": port})
    configure(local)
    runtime.init(local, sessions)
    jobs_notify._mailer = None
    try:
        yield local, inbox
    finally:
        jobs_notify._mailer = None
        controller.stop()


def _event(tenant: Tenant, key: str, users: tuple[int, ...], title: str, urgency: str) -> Event:
    return Event(
        key=key,
        org_id=tenant.org_id,
        category="deal.stage_changed",
        urgency=urgency,
        title=title,
        body="Acme renewal",
        users=users,
    )


def test_one_refused_digest_recipient_does_not_undo_the_others(
    refusing: tuple[Settings, RefusingInbox], tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    settings, inbox = refusing
    with sessions() as s:
        everyone = tuple(s.scalars(select(User.id).where(User.org_id == tenant.org_id)).all())
    for i in range(3):
        jobs_notify.fanout_event.fn(
            _event(tenant, f"d{i}", everyone, "Deal moved to Won", "normal").as_json()
        )
    later = datetime.now(UTC) + timedelta(seconds=settings.notify.digest_window_s + 1)
    with session_scope(sessions) as s:
        assert mail.send_digests(s, settings, mail.Mailer(settings), later) == 2
    assert sorted(m["X-Rcpt"] for m in inbox.messages) == [
        "member@org-a.test",
        "operator@org-a.test",
    ]
    with sessions() as s:
        rows = s.execute(
            select(User.email, Delivery.status, Delivery.attempts, Delivery.last_error)
            .join(User, User.id == Delivery.user_id)
            .where(Delivery.channel == "email")
        ).all()
    for address, status, attempts, error in rows:
        assert attempts == 1
        if address == "admin@org-a.test":
            assert status == "failed" and error is not None
            assert "SMTPRecipientsRefused" in error and "550" in error
        else:
            assert status == "sent" and error is None
    # The next sweep sends nothing again: not to the mailed users, not to the refused one.
    with session_scope(sessions) as s:
        assert mail.send_digests(s, settings, mail.Mailer(settings), later) == 0
    assert len(inbox.messages) == 2


def test_a_digest_outage_keeps_the_error_and_what_was_sent_stays_sent(
    settings: Settings, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    configure(settings)
    runtime.init(settings, sessions)
    jobs_notify.fanout_event.fn(
        _event(tenant, "x", (tenant.member_id,), "Deal moved to Won", "normal").as_json()
    )
    down = settings.replace(notify={"smtp_port": free_port()})  # nothing listens there
    later = datetime.now(UTC) + timedelta(seconds=settings.notify.digest_window_s + 1)
    with session_scope(sessions) as s, pytest.raises(OSError):
        mail.send_digests(s, down, mail.Mailer(down), later)
    with sessions() as s:
        row = s.scalars(select(Delivery).where(Delivery.channel == "email")).one()
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error is not None and "ConnectionRefusedError" in row.last_error


@pytest.mark.parametrize("title", ["Deal\r\nBcc: victim@example.com", "Line\nbreak", "Tab\rCR"])
def test_a_line_break_in_a_title_is_removed_from_the_subject(
    refusing: tuple[Settings, RefusingInbox],
    tenant: Tenant,
    sessions: sessionmaker[Session],
    title: str,
) -> None:
    _, inbox = refusing
    jobs_notify.fanout_event.fn(
        _event(tenant, "crlf", (tenant.member_id,), title, "critical").as_json()
    )
    with sessions() as s:
        delivery_id = s.scalars(select(Delivery.id).where(Delivery.channel == "email")).one()
    assert jobs_notify.send_email.fn(delivery_id) == "sent"
    (message,) = inbox.messages
    assert message["Subject"] == " ".join(title.splitlines())
    assert message["Bcc"] is None and message["X-Rcpt"] == "member@org-a.test"
