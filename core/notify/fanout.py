"""Fan-out: resolve an event's recipients in batches, route each, record and stage deliveries.

Each batch is one transaction: notifications are inserted with ON CONFLICT DO NOTHING on
(user, event key), so a re-run (retried trigger, redelivered message) adds nothing, and only
newly inserted notifications get deliveries. Live in-app frames are returned to be published
after the commit, so no client hears of a row it cannot read yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from dramatiq import Actor
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from core import channels
from core.notify.routing import Preferences, route
from core.notify.triggers import Event
from core.queueing.outbox import stage_many
from core.settings import Settings
from models import Notification, NotificationPreferences, PushSubscription, User

BATCH = 500
# One statement per batch with the rows as arrays (unnest): a 500-row VALUES clause built
# per batch cost 7 of 16 s of a 10,000-recipient fan-out, and the ORM's executemany with
# ON CONFLICT DO NOTHING falls back to a statement per row (cProfile, bench/notify.py).
_INSERT_NOTIFICATIONS = text(
    """
    INSERT INTO notifications
        (org_id, user_id, event_key, category, urgency, title, body, data, routing)
    SELECT :org_id, u, :event_key, :category, :urgency, :title, :body,
           CAST(:data AS jsonb), CAST(r AS jsonb)
    FROM unnest(CAST(:users AS bigint[]), CAST(:routings AS text[])) AS t(u, r)
    ON CONFLICT ON CONSTRAINT uq_notifications_user_event DO NOTHING
    RETURNING id, user_id, created_at
    """
)
_INSERT_DELIVERIES = text(
    """
    INSERT INTO notification_deliveries
        (notification_id, user_id, channel, status, reason, send_after, attempts)
    SELECT t.*, 0 FROM unnest(
        CAST(:notification_ids AS bigint[]), CAST(:user_ids AS bigint[]),
        CAST(:channels AS text[]), CAST(:statuses AS text[]), CAST(:reasons AS text[]),
        CAST(:send_afters AS timestamptz[])) AS t
    ON CONFLICT ON CONSTRAINT uq_deliveries_notification_channel DO NOTHING
    RETURNING id, channel, status, send_after
    """
)


def user_channel(org_id: int, user_id: int) -> str:
    """The websocket channel of one user's notifications."""
    return channels.org_channel(org_id, f"user:{user_id}:notifications")


@dataclass
class Senders:
    """The actors deliveries are staged for (kept apart so core needs no jobs import).

    Parameters:
      email: stages ``notifications.email(delivery_id)``.
      push: stages ``notifications.push(delivery_id)``, if push is wired.
    """

    email: Actor[Any, Any]
    push: Actor[Any, Any] | None = None

    def stage(self, session: Session, channel: str, org_id: int, deliveries: Sequence[int]) -> None:
        """Stage ``notifications.<channel>`` for each delivery id, in one statement
        (:func:`core.queueing.outbox.stage_many`); nothing for push if it is not wired."""
        target = self.email if channel == "email" else self.push
        if target is not None:
            stage_many(
                session, target, job_type=f"notifications.{channel}", org_id=org_id,
                args=[(d,) for d in deliveries],
            )  # fmt: skip


@dataclass
class FanoutResult:
    """What a fan-out did."""

    notified: int = 0
    live: list[tuple[str, bytes]] = field(default_factory=list)


def recipient_batches(session: Session, event: Event, size: int = BATCH) -> Iterator[list[Any]]:
    """The event's recipients (always within its org), ``size`` at a time, by user id."""
    conditions = []
    if event.users:
        conditions.append(User.id.in_(event.users))
    if event.roles:
        conditions.append(User.role.in_(event.roles))
    if not conditions and not event.everyone:
        return
    stmt = select(User.id, User.email).where(User.org_id == event.org_id)
    if not event.everyone:
        stmt = stmt.where(or_(*conditions))
    last = 0
    while True:
        rows = session.execute(stmt.where(User.id > last).order_by(User.id).limit(size)).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1].id


def digest_time(now: datetime, window_s: int) -> datetime:
    """The end of the digest window containing ``now``."""
    end = (int(now.timestamp()) // window_s + 1) * window_s
    return datetime.fromtimestamp(end, tz=UTC)


def fanout_batch(
    session: Session,
    event: Event,
    users: list[Any],
    *,
    settings: Settings,
    senders: Senders,
    online: set[int],
    now: datetime,
) -> FanoutResult:
    """Route and record ``event`` for one batch of users (in the caller's transaction)."""
    ids = [u.id for u in users]
    prefs = {
        p.user_id: Preferences.from_dict(p.data)
        for p in session.scalars(
            select(NotificationPreferences).where(NotificationPreferences.user_id.in_(ids))
        )
    }
    with_push = set(
        session.scalars(select(PushSubscription.user_id).where(PushSubscription.user_id.in_(ids)))
    )
    throttled: set[int] = set()
    if event.throttle_key:
        since = now - timedelta(seconds=settings.notify.throttle_window_s)
        throttled = set(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.user_id.in_(ids),
                    Notification.data["throttle_key"].astext == event.throttle_key,
                    Notification.created_at >= since,
                )
            )
        )
    digest_at = digest_time(now, settings.notify.digest_window_s)
    escalation = timedelta(minutes=settings.notify.escalation_minutes)
    plans = {
        uid: route(
            category=event.category,
            urgency=event.urgency,
            prefs=prefs.get(uid, Preferences()),
            has_push=uid in with_push,
            online=uid in online,
            throttled=uid in throttled,
            now=now,
            escalation=escalation,
            digest_at=digest_at,
        )
        for uid in ids
    }
    data = {**event.data, "throttle_key": event.throttle_key}
    routings = [
        orjson.dumps(
            [{"channel": d.channel, "action": d.action, "rule": d.rule} for d in plans[uid]]
        ).decode()
        for uid in ids
    ]
    created = session.execute(
        _INSERT_NOTIFICATIONS,
        {
            "org_id": event.org_id,
            "event_key": event.key,
            "category": event.category,
            "urgency": event.urgency,
            "title": event.title,
            "body": event.body,
            "data": orjson.dumps(data).decode(),
            "users": ids,
            "routings": routings,
        },
    ).all()
    result = FanoutResult(notified=len(created))
    deliveries = []
    for nid, uid, created_at in created:
        for d in plans[uid]:
            status = {"skip": "skipped", "now": "pending", "later": "pending", "digest": "pending"}[
                d.action
            ]
            if d.channel == "in_app" and d.action == "now":
                status = "sent"
            deliveries.append(
                {
                    "notification_id": nid,
                    "user_id": uid,
                    "channel": d.channel,
                    "status": status,
                    "reason": d.rule if d.action != "now" or d.channel == "in_app" else None,
                    "send_after": d.send_after,
                }
            )
        live = any(d.channel == "in_app" and "live" in d.rule for d in plans[uid])
        if live:
            note = {
                "id": nid,
                "title": event.title,
                "body": event.body,
                "category": event.category,
                "urgency": event.urgency,
                "read_at": None,
                "created_at": created_at.isoformat(),
            }
            channel = user_channel(event.org_id, uid)
            result.live.append((channel, orjson.dumps(channels.frame("notifications", note))))
    if not deliveries:
        return result
    staged = session.execute(
        _INSERT_DELIVERIES,
        {
            "notification_ids": [d["notification_id"] for d in deliveries],
            "user_ids": [d["user_id"] for d in deliveries],
            "channels": [d["channel"] for d in deliveries],
            "statuses": [d["status"] for d in deliveries],
            "reasons": [d["reason"] for d in deliveries],
            "send_afters": [d["send_after"] for d in deliveries],
        },
    ).all()
    due: dict[str, list[int]] = {"email": [], "push": []}
    for did, channel, status, send_after in staged:
        # Skipped, or due later (the ``notifications.due`` sweep stages those).
        if status == "pending" and send_after is None and channel in due:
            due[channel].append(did)
    # One statement per channel however many recipients.
    for channel, ids in due.items():
        senders.stage(session, channel, event.org_id, ids)
    return result


def fanout(
    sessions: Callable[[], Any],
    event: Event,
    *,
    settings: Settings,
    senders: Senders,
    online: Callable[[list[int]], set[int]],
    publish: Callable[[list[tuple[str, bytes]]], None],
    now: datetime | None = None,
) -> int:
    """Fan ``event`` out batch by batch, one transaction each; return how many were notified."""
    total = 0
    with sessions() as reader:
        batches = list(recipient_batches(reader, event))
    for users in batches:
        with sessions() as session, session.begin():
            result = fanout_batch(
                session,
                event,
                users,
                settings=settings,
                senders=senders,
                online=online([u.id for u in users]),
                now=now or datetime.now(UTC),
            )
        publish(result.live)
        total += result.notified
    return total
