"""Email: one reused SMTP connection per process, text and HTML parts, List-Unsubscribe.

Also the sweeps that make deferred email happen: escalation (a ``high`` notification still
unread after ``escalation_minutes``), quiet hours ending, and the digest, which collapses a
user's low and normal notifications of a window into one email.
"""

from __future__ import annotations

import contextlib
import html
import logging
import smtplib
import ssl
import threading
from collections import Counter
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.settings import Settings
from models import Delivery, Notification, User

log = logging.getLogger(__name__)


class Mailer:
    """Send mail over one SMTP connection, reconnecting when the server dropped it.

    Parameters:
      settings: SMTP host, port, security, credentials and sender.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP
        if s.notify.smtp_security == "ssl":
            conn = smtplib.SMTP_SSL(
                s.notify.smtp_host,
                s.notify.smtp_port,
                timeout=15,
                context=ssl.create_default_context(),
            )
        else:
            conn = smtplib.SMTP(s.notify.smtp_host, s.notify.smtp_port, timeout=15)
            if s.notify.smtp_security == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if s.notify.smtp_user:
            conn.login(s.notify.smtp_user, s.notify.smtp_password)
        return conn

    def send(self, msg: EmailMessage) -> None:
        """Send ``msg``, reusing the connection; one reconnect if it went stale."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None:
                    self._conn = self._connect()
                try:
                    self._conn.send_message(msg)
                    return
                except (smtplib.SMTPServerDisconnected, ConnectionError):
                    self._conn = None
                    if attempt == 2:
                        raise

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    self._conn.quit()
                self._conn = None


def header_value(value: str) -> str:
    """``value`` on one line: CR, LF and other line breaks in a header (a deal title with a
    newline) make ``email`` refuse the message, or would inject a header."""
    return " ".join(value.splitlines()).strip()


def compose(settings: Settings, to: str, subject: str, lines: list[str]) -> EmailMessage:
    """A text + HTML email with ``List-Unsubscribe`` pointing at the preferences."""
    msg = EmailMessage()
    msg["From"] = header_value(settings.notify.mail_from)
    msg["To"] = header_value(to)
    msg["Subject"] = header_value(subject)
    msg["Message-ID"] = make_msgid(domain="saleshub.local")
    prefs = f"{settings.web.public_url}/api/v1/me/notification-preferences"
    msg["List-Unsubscribe"] = f"<{prefs}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    footer = f"Change what you receive: {prefs}"
    msg.set_content("\n".join([*lines, "", footer]))
    items = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    msg.add_alternative(
        f'<html><body>{items}<hr><p><a href="{html.escape(prefs)}">Notification preferences</a></p>'
        "</body></html>",
        subtype="html",
    )
    return msg


def send_delivery(session: Session, delivery_id: int, settings: Settings, mailer: Mailer) -> str:
    """Send one email delivery if it is still pending; return its final status."""
    row = session.execute(
        select(Delivery, Notification, User.email)
        .join(Notification, Notification.id == Delivery.notification_id)
        .join(User, User.id == Delivery.user_id)
        .where(Delivery.id == delivery_id)
        .with_for_update(of=Delivery)
    ).first()
    if row is None:
        return "missing"
    delivery, note, email = row
    if delivery.status != "pending":
        return delivery.status  # a redelivered message: already sent or skipped
    if delivery.reason and delivery.reason.startswith("urgency high") and note.read_at is not None:
        delivery.status, delivery.reason = "skipped", "read before escalation"
        return delivery.status
    delivery.attempts += 1
    try:
        mailer.send(compose(settings, email, note.title, [note.title, note.body]))
    except (smtplib.SMTPException, OSError) as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
        session.commit()
        raise
    delivery.status, delivery.last_error = "sent", None
    return delivery.status


def due_deliveries(
    session: Session, now: datetime, *, limit: int = 1000
) -> list[tuple[int, str, int]]:
    """Pending email/push deliveries deferred by escalation or quiet hours, now due."""
    rows = session.execute(
        select(Delivery.id, Delivery.channel, Notification.org_id)
        .join(Notification, Notification.id == Delivery.notification_id)
        .where(
            Delivery.status == "pending",
            Delivery.send_after <= now,
            ~Delivery.reason.like("urgency % digest%"),
        )
        .order_by(Delivery.send_after)
        .limit(limit)
    ).all()
    ids = [r.id for r in rows]
    if ids:  # hand them to their channel's job exactly once
        session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(send_after=None))
    return [(r.id, r.channel, r.org_id) for r in rows]


def _collapse(title: str, n: int) -> str:
    """``5 deals moved to Negotiation`` for five "Deal moved to Negotiation"."""
    if n == 1:
        return title
    if title.startswith("Deal moved to "):
        return f"{n} deals moved to {title.removeprefix('Deal moved to ')}"
    return f"{title} (x{n})"


_DUE_DIGEST = (
    Delivery.status == "pending",
    Delivery.channel == "email",
    Delivery.reason.like("urgency % digest%"),
)
# Attempts after which a digest the SMTP server keeps failing is given up ("failed").
DIGEST_MAX_ATTEMPTS = 5


def send_digests(session: Session, settings: Settings, mailer: Mailer, now: datetime) -> int:
    """One email per user for their due digest deliveries; return how many emails went.

    Each recipient is its own transaction: a recipient the server refuses, or an outage
    half-way, never undoes the "sent" marks of those already mailed. A refused recipient's
    deliveries are ``failed`` with the server's answer; any other error is recorded on the
    deliveries, which stay pending (given up after ``DIGEST_MAX_ATTEMPTS``), and raised
    once every other recipient had their turn.
    """
    users = session.scalars(
        select(Delivery.user_id)
        .where(*_DUE_DIGEST, Delivery.send_after <= now)
        .group_by(Delivery.user_id)
        .order_by(Delivery.user_id)
    ).all()
    session.commit()
    sent = 0
    retry: BaseException | None = None
    for user_id in users:
        try:
            sent += _send_digest(session, settings, mailer, now, user_id)
        except (smtplib.SMTPException, OSError) as exc:
            retry = exc
    if retry is not None:
        raise retry
    return sent


def _send_digest(
    session: Session, settings: Settings, mailer: Mailer, now: datetime, user_id: int
) -> int:
    """Send one user's digest and commit its outcome; return 1 if an email went."""
    rows = session.execute(
        select(Delivery, Notification.title, User.email)
        .join(Notification, Notification.id == Delivery.notification_id)
        .join(User, User.id == Delivery.user_id)
        .where(*_DUE_DIGEST, Delivery.send_after <= now, Delivery.user_id == user_id)
        .order_by(Delivery.id)
        .with_for_update(of=Delivery, skip_locked=True)
    ).all()
    if not rows:
        session.commit()
        return 0
    email = rows[0].email
    deliveries = [row.Delivery for row in rows]
    counts = Counter(row.title for row in rows)
    lines = [_collapse(title, n) for title, n in counts.most_common()]
    subject = f"SalesHub digest: {len(rows)} updates"
    try:
        mailer.send(compose(settings, email, subject, lines))
    except smtplib.SMTPRecipientsRefused as exc:
        _record(deliveries, "failed", f"{type(exc).__name__}: {exc.recipients}")
        session.commit()
        log.warning("digest to user %d refused: %s", user_id, exc.recipients)
        return 0
    except (smtplib.SMTPException, OSError) as exc:
        gave_up = deliveries[0].attempts + 1 >= DIGEST_MAX_ATTEMPTS
        _record(deliveries, "failed" if gave_up else "pending", f"{type(exc).__name__}: {exc}")
        session.commit()
        raise
    _record(deliveries, "sent", None)
    session.commit()
    return 1


def _record(deliveries: list[Delivery], status: str, error: str | None) -> None:
    for delivery in deliveries:
        delivery.status, delivery.attempts = status, delivery.attempts + 1
        delivery.last_error = None if error is None else error[:500]
