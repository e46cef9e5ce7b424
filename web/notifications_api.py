"""``/api/v1/notifications`` (the inbox) and ``/api/v1/me/notification-preferences``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, Response, request
from pydantic import ConfigDict, Field, StrictBool, field_validator
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from models import Delivery, Notification, NotificationPreferences
from web import responses
from web.auth import ROLE_RANK, owned, principal
from web.ext import db
from web.http import json_response
from web.idempotency import transactional
from web.schemas import Id, Strict
from web.spec import returns, spec

bp = Blueprint("notifications", __name__)
PUBLIC = ("id", "title", "body", "category", "urgency", "read_at", "created_at")
HHMM = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class InboxQuery(Strict):
    unread: bool = False
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Id | None = None


class DeliveryQuery(Strict):
    user_id: Id | None = None
    status: Literal["pending", "sent", "delivered", "failed", "skipped"] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class QuietHours(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"start": "22:00", "end": "07:00"}]})

    start: HHMM
    end: HHMM


class PreferencesIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "enabled": True,
                    "categories": {"jobs": True, "imports": False},
                    "channels": {"in_app": True, "email": True, "push": False},
                    "quiet_hours": {"start": "22:00", "end": "07:00"},
                    "timezone": "Europe/Berlin",
                }
            ]
        }
    )

    # StrictBool: JSON booleans only (lax mode would take 0, 1, "yes", ...).
    enabled: StrictBool = True
    categories: dict[Annotated[str, Field(max_length=64)], StrictBool] = Field(default_factory=dict)
    channels: dict[Literal["in_app", "email", "push"], StrictBool] = Field(default_factory=dict)
    quiet_hours: QuietHours | None = None
    timezone: Annotated[str, Field(max_length=64)] = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value


def _public(n: Notification) -> dict[str, Any]:
    out = {k: getattr(n, k) for k in PUBLIC}
    for k in ("read_at", "created_at"):
        out[k] = out[k].isoformat() if out[k] else None
    return out


def _delivery(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "notification_id": d.notification_id,
        "user_id": d.user_id,
        "channel": d.channel,
        "status": d.status,
        "reason": d.reason,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "send_after": d.send_after.isoformat() if d.send_after else None,
    }


def _own(notification_id: int) -> Notification:
    return owned(Notification, notification_id, "notification", by="user_id")


@bp.get("/notifications")
@returns(responses.Inbox)
@spec.validate(query=InboxQuery, tags=["notifications"])
def inbox() -> Response:
    q: InboxQuery = request.context.query  # type: ignore[attr-defined]
    me = principal().user_id
    stmt = select(Notification).where(Notification.user_id == me)
    if q.unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    if q.cursor:
        stmt = stmt.where(Notification.id < q.cursor)
    rows = list(db().scalars(stmt.order_by(Notification.id.desc()).limit(q.limit + 1)))
    unread = db().scalar(
        select(func.count()).where(Notification.user_id == me, Notification.read_at.is_(None))
    )
    cursor = str(rows[q.limit - 1].id) if len(rows) > q.limit else None
    return json_response(
        {
            "items": [_public(n) for n in rows[: q.limit]],
            "unread_count": unread,
            "next_cursor": cursor,
        }
    )


@bp.get("/notifications/<id:notification_id>")
@returns(responses.NotificationDetail)
@spec.validate(tags=["notifications"])
def one(notification_id: int) -> Response:
    n = _own(notification_id)
    deliveries = db().scalars(select(Delivery).where(Delivery.notification_id == n.id))
    return json_response(
        {**_public(n), "routing": n.routing, "deliveries": [_delivery(d) for d in deliveries]}
    )


@bp.post("/notifications/<id:notification_id>/read")
@returns(responses.Notification)
@spec.validate(tags=["notifications"])
@transactional
def mark_read(notification_id: int) -> Response:
    n = _own(notification_id)
    if n.read_at is None:
        n.read_at = datetime.now(UTC)
    return json_response(_public(n))


@bp.post("/notifications/read-all")
@returns(responses.Marked)
@spec.validate(tags=["notifications"])
@transactional
def mark_all_read() -> Response:
    done = db().execute(
        update(Notification)
        .where(Notification.user_id == principal().user_id, Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
    )
    return json_response({"marked": done.rowcount})  # type: ignore[attr-defined]


@bp.get("/notifications/deliveries")
@returns(responses.DeliveryPage)
@spec.validate(query=DeliveryQuery, tags=["notifications"])
def deliveries() -> Response:
    """Delivery statuses: your own; an admin sees the whole org's."""
    q: DeliveryQuery = request.context.query  # type: ignore[attr-defined]
    who = principal()
    stmt = select(Delivery).join(Notification, Notification.id == Delivery.notification_id)
    stmt = stmt.where(Notification.org_id == who.org_id)
    if ROLE_RANK[who.role] < ROLE_RANK["admin"]:
        stmt = stmt.where(Delivery.user_id == who.user_id)
    elif q.user_id:
        stmt = stmt.where(Delivery.user_id == q.user_id)
    if q.status:
        stmt = stmt.where(Delivery.status == q.status)
    rows = db().scalars(stmt.order_by(Delivery.id.desc()).limit(q.limit))
    return json_response({"items": [_delivery(d) for d in rows], "next_cursor": None})


@bp.get("/me/notification-preferences")
@returns(responses.Preferences)
@spec.validate(tags=["notifications"])
def get_preferences() -> Response:
    prefs = db().get(NotificationPreferences, principal().user_id)
    return json_response(PreferencesIn.model_validate(prefs.data if prefs else {}).model_dump())


@bp.put("/me/notification-preferences")
@returns(responses.Preferences)
@spec.validate(json=PreferencesIn, tags=["notifications"])
@transactional
def put_preferences() -> Response:
    body: PreferencesIn = request.context.json  # type: ignore[attr-defined]
    data = body.model_dump()
    db().execute(
        insert(NotificationPreferences)
        .values(user_id=principal().user_id, data=data)
        .on_conflict_do_update(
            index_elements=["user_id"], set_={"data": data, "updated_at": func.now()}
        )
    )
    return json_response(data)
