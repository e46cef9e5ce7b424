"""Notification jobs: fan-out, email, the deferred-delivery sweep, digests, due tasks."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from dramatiq.middleware import CurrentMessage
from sqlalchemy.orm import Session

from core import channels
from core.notify import email as mail
from core.notify import triggers, webhooks
from core.notify.fanout import Senders, fanout
from core.notify.triggers import Event
from core.queueing.broker import actor, current_broker
from core.queueing.outbox import stage
from jobs import notify_channels
from jobs.runtime import current_settings, session_factory, session_scope

PRESENCE_PREFIX = "saleshub:presence:"
TASKS_DUE_PAGE = 1000
_mailer: mail.Mailer | None = None


def _get_mailer() -> mail.Mailer:
    global _mailer
    if _mailer is None:
        _mailer = mail.Mailer(current_settings())
    return _mailer


def emit(session: Session, events: list[Event]) -> None:
    """Stage one fan-out per event in ``session``'s transaction (once per event key)."""
    for event in events:
        stage(
            session,
            fanout_event,
            job_type="notifications.fanout",
            org_id=event.org_id,
            args=(event.as_json(),),
            dedupe_key=f"notify:{event.key}",
        )


def _online(user_ids: list[int]) -> set[int]:
    client = current_broker().client  # type: ignore[attr-defined]
    flags = client.mget([f"{PRESENCE_PREFIX}{u}" for u in user_ids]) if user_ids else []
    return {u for u, flag in zip(user_ids, flags, strict=True) if flag}


def _publish(frames: list[tuple[str, bytes]]) -> None:
    if frames:
        channels.publish_encoded(current_broker().client, frames)  # type: ignore[attr-defined]


def _senders() -> Senders:
    return Senders(email=send_email, push=notify_channels.push)


@actor(actor_name="notifications.fanout", queue_name="default", max_retries=5, time_limit=600_000)
def fanout_event(event: dict[str, Any]) -> dict[str, int]:
    """Route an event to each recipient (in batches) and to its org's webhooks."""
    parsed = Event.from_json(event)
    with session_scope() as session:  # once per event (idempotent on the event key)
        webhooks.emit(
            session,
            org_id=parsed.org_id,
            event_key=parsed.key,
            event_type=parsed.category,
            payload={
                "type": parsed.category,
                "title": parsed.title,
                "body": parsed.body,
                "urgency": parsed.urgency,
                "data": parsed.data,
            },
            actor=notify_channels.webhook,
        )
    n = fanout(
        session_factory(),
        parsed,
        settings=current_settings(),
        senders=_senders(),
        online=_online,
        publish=_publish,
    )
    return {"notified": n}


@actor(
    actor_name="notifications.email",
    queue_name="email",
    max_retries=5,
    min_backoff=5_000,
    time_limit=60_000,
)
def send_email(delivery_id: int) -> str:
    """Send one email delivery."""
    with session_scope() as session:
        return mail.send_delivery(session, delivery_id, current_settings(), _get_mailer())


@actor(actor_name="notifications.due", queue_name="default", max_retries=1, max_age=120_000)
def send_due() -> int:
    """Stage deferred email and push deliveries whose time has come."""
    senders = _senders()
    with session_scope() as session:
        due = mail.due_deliveries(session, datetime.now(UTC))
        # One statement per channel and org, not one per delivery.
        batches: dict[tuple[str, int], list[int]] = defaultdict(list)
        for did, channel, org_id in due:
            batches[channel, org_id].append(did)
        for (channel, org_id), deliveries in batches.items():
            senders.stage(session, channel, org_id, deliveries)
        return len(due)


@actor(actor_name="notifications.digest", queue_name="email", max_retries=2, max_age=600_000)
def send_digests() -> int:
    """Send each user one email collapsing their due digest notifications."""
    with session_scope() as session:
        return mail.send_digests(session, current_settings(), _get_mailer(), datetime.now(UTC))


@actor(actor_name="notifications.tasks_due", queue_name="default", max_retries=1, max_age=120_000)
def tasks_due() -> int:
    """Notify owners of tasks that fell due (once per task and due time)."""
    total = 0
    now = datetime.now(UTC)
    while True:  # one transaction per page, so a page's marks never wait for the rest
        with session_scope() as session:
            n = triggers.notify_due_tasks(session, now, emit=emit, page_size=TASKS_DUE_PAGE)
        total += n
        if n < TASKS_DUE_PAGE:
            return total


@actor(actor_name="notifications.broadcast", queue_name="default", max_retries=3)
def broadcast(org_id: int, title: str, body: str, urgency: str) -> dict[str, int]:
    """An admin's message to every user of the org (keyed by this job, so retries add nothing)."""
    message = CurrentMessage.get_current_message()
    key = message.message_id if message is not None else uuid.uuid4().hex
    event = Event(
        key=f"broadcast:{key}",
        org_id=org_id,
        category="broadcast",
        urgency=urgency,
        title=title,
        body=body,
        everyone=True,
    )
    return fanout_event.fn(event.as_json())
