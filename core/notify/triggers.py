"""Notification events: what happened, to whom it matters, and its idempotency key.

An event is emitted in the transaction of the write that caused it, as a staged
``notifications.fanout`` job (the outbox), so it exists exactly when the write commits.
Its key is deterministic (the same write emits the same key), so a retried trigger or a
redelivered message creates nothing twice: notifications are unique per (user, key).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Activity, User

MENTION = re.compile(r"@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


@dataclass(frozen=True)
class Event:
    """One notification event.

    Parameters:
      key: deterministic idempotency key.
      org_id: the organization; recipients are only ever its users.
      category: e.g. ``deal.stage_changed``, ``deal.won``, ``lead.assigned``, ``task.due``,
        ``mention``, ``broadcast``.
      urgency: ``low``, ``normal``, ``high`` or ``critical``.
      title, body: what the user reads.
      users: explicit recipients (user ids); ``roles``: every user with one of these roles;
        ``everyone``: every user of the org.
      throttle_key: events with the same key for a user within the throttle window send
        email and push once.
      data: links and ids for clients.
    """

    key: str
    org_id: int
    category: str
    urgency: str
    title: str
    body: str = ""
    users: tuple[int, ...] = ()
    roles: tuple[str, ...] = ()
    everyone: bool = False
    throttle_key: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The event as a small JSON value for a job message."""
        return {**asdict(self), "users": list(self.users), "roles": list(self.roles)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(**{**data, "users": tuple(data["users"]), "roles": tuple(data["roles"])})


def _stamp(when: datetime | None) -> str:
    return when.isoformat() if when else "-"


def deal_events(deal: Any, changes: dict[str, tuple[Any, Any]]) -> list[Event]:
    """A deal's stage change (to its owner) and win or loss (to the org's admins)."""
    if "stage" not in changes or (
        deal.owner_id is None and changes["stage"][1] not in ("won", "lost")
    ):
        return []
    old, new = changes["stage"]
    stamp = _stamp(deal.updated_at)
    out = []
    if deal.owner_id is not None and old is not None:  # a new deal's first stage is no change
        out.append(
            Event(
                key=f"deal:{deal.id}:stage:{new}:{stamp}",
                org_id=deal.org_id,
                category="deal.stage_changed",
                urgency="normal",
                title=f"Deal moved to {new.title()}",
                body=f"{deal.title}: {old} → {new}",
                users=(deal.owner_id,),
                throttle_key=f"deal:{deal.id}",
                data={"deal_id": deal.id, "from": old, "to": new},
            )
        )
    if new in ("won", "lost"):
        out.append(
            Event(
                key=f"deal:{deal.id}:{new}:{stamp}",
                org_id=deal.org_id,
                category=f"deal.{new}",
                urgency="high",
                title=f"Deal {new}: {deal.title}",
                body=f"{deal.title} was {new}"
                + (f" ({deal.amount} {deal.currency})" if deal.amount else ""),
                roles=("admin",),
                data={"deal_id": deal.id},
            )
        )
    return out


def lead_events(lead: Any, changes: dict[str, tuple[Any, Any]]) -> list[Event]:
    """A lead assigned to a new owner."""
    if "owner_id" not in changes or changes["owner_id"][1] is None:
        return []
    owner = changes["owner_id"][1]
    return [
        Event(
            key=f"lead:{lead.id}:owner:{owner}:{_stamp(lead.updated_at)}",
            org_id=lead.org_id,
            category="lead.assigned",
            urgency="high",
            title=f"Lead assigned to you: {lead.name}",
            body=lead.company_name or "",
            users=(owner,),
            data={"lead_id": lead.id},
        )
    ]


def mention_events(
    session: Session, activity: Any, changes: dict[str, tuple[Any, Any]]
) -> list[Event]:
    """Users of the org mentioned as ``@email`` in an activity's body (new mentions only)."""
    if "body" not in changes:
        return []
    old, new = changes["body"]
    mentioned = {m.lower() for m in MENTION.findall(new or "")} - {
        m.lower() for m in MENTION.findall(old or "")
    }
    if not mentioned:
        return []
    users = session.scalars(
        # Case ignored, as the unique index on users compares emails.
        select(User.id).where(
            User.org_id == activity.org_id, func.lower(User.email).in_(sorted(mentioned))
        )
    ).all()
    return [
        Event(
            key=f"activity:{activity.id}:mention:{uid}:{_stamp(activity.updated_at)}",
            org_id=activity.org_id,
            category="mention",
            urgency="normal",
            title=f"You were mentioned: {activity.subject}",
            body=(new or "")[:500],
            users=(uid,),
            data={"activity_id": activity.id},
        )
        for uid in users
    ]


def task_due_event(activity: Any) -> Event | None:
    """A task falling due, to its owner."""
    if activity.owner_id is None or activity.due_at is None:
        return None
    return Event(
        key=f"task:{activity.id}:due:{activity.due_at.isoformat()}",
        org_id=activity.org_id,
        category="task.due",
        urgency="high",
        title=f"Task due: {activity.subject}",
        body=(activity.body or "")[:500],
        users=(activity.owner_id,),
        data={"activity_id": activity.id},
    )


def notify_due_tasks(
    session: Session,
    now: datetime,
    *,
    emit: Callable[[Session, list[Event]], None],
    page_size: int = 1000,
) -> int:
    """Emit one page of due tasks not yet notified for their due time, oldest due first,
    and mark them; return how many. Notified tasks leave the query, so a backlog of old
    overdue tasks cannot starve newly due ones: call it until it returns less than a page.
    """
    tasks = session.scalars(
        select(Activity)
        .where(
            Activity.kind == "task",
            Activity.done.is_(False),
            Activity.due_at <= now,
            Activity.due_at > now - timedelta(days=365),  # replace(year=) fails on 29 Feb
            Activity.owner_id.is_not(None),
            Activity.due_notified_for.is_distinct_from(Activity.due_at),
        )
        .order_by(Activity.due_at, Activity.id)
        .limit(page_size)
        .with_for_update(skip_locked=True)
    ).all()
    events = [e for t in tasks if (e := task_due_event(t)) is not None]
    emit(session, events)
    for task in tasks:
        task.due_notified_for = task.due_at
    return len(tasks)
