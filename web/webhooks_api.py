"""``/api/v1/webhooks`` (org admins) and ``/api/v1/me/push-subscriptions`` (any user)."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from flask import Blueprint, Response, request
from pydantic import AfterValidator, ConfigDict, Field
from spectree import Response as SpecResponse
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from core.notify import push, webhook_secrets, webhooks
from core.notify.ssrf import RefusedUrl, check_url
from core.ops import audit
from models import PushSubscription, WebhookDelivery, WebhookEndpoint
from web import responses
from web.auth import owned, principal, require_role
from web.errors import ApiError, not_found
from web.ext import db, resources
from web.http import json_response, row_to_dict
from web.idempotency import secret_fields, transactional
from web.pagination import paginate
from web.schemas import Str, Strict
from web.spec import may_answer, returns, spec

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)

Url = Annotated[
    Str, Field(min_length=1, max_length=2000, examples=["https://hooks.acme.example/saleshub"])
]
# An event type (``deal.won``) or ``*`` for every event.
EVENT_TYPE = r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*)$"
EventType = Annotated[str, Field(pattern=EVENT_TYPE, max_length=64)]


def _b64url(length: int) -> Any:
    def check(value: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            raise ValueError("must be base64url") from None
        if len(raw) != length:
            raise ValueError(f"must encode {length} bytes")
        return value

    return AfterValidator(check)


class WebhookIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.acme.example/saleshub",
                    "events": ["contact.created", "deal.updated"],
                }
            ]
        }
    )

    url: Url
    events: Annotated[list[EventType], Field(min_length=1, max_length=50)]


class RotateIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"overlap_s": 3600}]})

    # How long deliveries are signed with the old secret too (default WEBHOOK_SECRET_OVERLAP_S).
    overlap_s: Annotated[int, Field(ge=0, le=7 * 86_400)] | None = None


class DeliveryListQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[Str, Field(max_length=512)] | None = None
    status: Literal["pending", "sent", "delivered", "failed", "skipped"] | None = None


class ListQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[Str, Field(max_length=512)] | None = None


class PushKeys(Strict):
    # An uncompressed P-256 point, and a 16-byte authentication secret (RFC 8291).
    p256dh: Annotated[str, Field(max_length=200), _b64url(65)]
    auth: Annotated[str, Field(max_length=100), _b64url(16)]


class PushSubscriptionIn(Strict):
    # What a browser's PushManager.subscribe() gives (its keys are base64url, unpadded).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "endpoint": "https://push.example/send/abc123",
                    "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
                }
            ]
        }
    )

    endpoint: Url
    keys: PushKeys


class PushSubscriptionQuery(Strict):
    endpoint: Url


def _refused(field: str, exc: RefusedUrl) -> ApiError:
    # Why is logged, not answered: the reason can name an internal address the host
    # resolved to, and a client must not be able to map internal DNS through it.
    log.info("refused %s for org %s: %s", field, principal().org_id, exc)
    return ApiError(
        422,
        "URL not allowed",
        details=[{"loc": [field], "msg": "URL not allowed", "type": "url_refused"}],
    )


def _host(url: str) -> str | None:
    # The audit log names the host only: a webhook URL's path or query may hold a token.
    return urlsplit(url).hostname


def endpoint_to_dict(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The public view of an endpoint (never its secret)."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        "consecutive_failures": endpoint.consecutive_failures,
        "paused_until": endpoint.paused_until.isoformat() if endpoint.paused_until else None,
        "created_at": endpoint.created_at.isoformat(),
    }


def _own_endpoint(endpoint_id: int) -> WebhookEndpoint:
    return owned(WebhookEndpoint, endpoint_id, "webhook")


@bp.get("/webhooks")
@returns(responses.WebhookPage)
@spec.validate(query=ListQuery, tags=["webhooks"])
@require_role("admin")
def list_webhooks() -> Response:
    q: ListQuery = request.context.query  # type: ignore[attr-defined]
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.org_id == principal().org_id)
    rows, cursor = paginate(
        db(), stmt, model=WebhookEndpoint, sort="created_at", limit=q.limit, cursor=q.cursor
    )
    return json_response({"items": [endpoint_to_dict(e) for e in rows], "next_cursor": cursor})


@bp.post("/webhooks")
@returns(responses.NewWebhook, status=201)
@spec.validate(json=WebhookIn, tags=["webhooks"], resp=SpecResponse(HTTP_201=None))
@require_role("admin")
@transactional
def create_webhook() -> Response:
    body: WebhookIn = request.context.json  # type: ignore[attr-defined]
    org_id = principal().org_id
    session = db()
    count = session.scalar(
        select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id)
    )
    cap = resources().settings.notify.webhook_max_per_org
    if (count or 0) >= cap:
        raise ApiError(409, f"an organization has at most {cap} webhooks (WEBHOOK_MAX_PER_ORG)")
    try:
        endpoint, secret = webhooks.register(
            session, org_id, body.url, body.events, resources().settings
        )
    except RefusedUrl as exc:
        raise _refused("url", exc) from None
    audit.record(
        session, "webhook.create", f"webhook:{endpoint.id}", org_id=org_id,
        user_id=principal().user_id, host=_host(body.url), events=list(body.events),
    )  # fmt: skip
    session.refresh(endpoint)
    # The only time the secret is shown; a replay of this request shows the endpoint alone.
    secret_fields("secret")
    return json_response({**endpoint_to_dict(endpoint), "secret": secret}, 201)


@bp.post("/webhooks/<id:endpoint_id>/rotate-secret")
@returns(responses.RotatedWebhook)
@spec.validate(json=RotateIn, tags=["webhooks"])
@require_role("admin")
@transactional
def rotate_webhook_secret(endpoint_id: int) -> Response:
    body: RotateIn = request.context.json  # type: ignore[attr-defined]
    endpoint = _own_endpoint(endpoint_id)
    now = datetime.now(UTC)
    secret = webhook_secrets.rotate_secret(
        endpoint, resources().settings, now, overlap_s=body.overlap_s
    )
    until = endpoint.previous_secret_until
    audit.record(
        db(), "webhook.rotate_secret", f"webhook:{endpoint.id}", org_id=endpoint.org_id,
        user_id=principal().user_id, previous_valid_until=until.isoformat() if until else None,
    )  # fmt: skip
    secret_fields("secret")
    out = {
        **endpoint_to_dict(endpoint),
        "secret": secret,
        "previous_secret_valid_until": until.isoformat() if until else None,
    }
    return json_response(out)


@bp.delete("/webhooks/<id:endpoint_id>")
@spec.validate(tags=["webhooks"], resp=SpecResponse(HTTP_204=None))
@require_role("admin")
@transactional
def delete_webhook(endpoint_id: int) -> Response:
    endpoint = _own_endpoint(endpoint_id)
    audit.record(
        db(), "webhook.delete", f"webhook:{endpoint.id}", org_id=endpoint.org_id,
        user_id=principal().user_id, host=_host(endpoint.url),
    )  # fmt: skip
    db().delete(endpoint)
    return Response(status=204)


@bp.get("/webhooks/<id:endpoint_id>/deliveries")
@returns(responses.WebhookDeliveryPage)
@spec.validate(query=DeliveryListQuery, tags=["webhooks"])
@require_role("admin")
def list_deliveries(endpoint_id: int) -> Response:
    q: DeliveryListQuery = request.context.query  # type: ignore[attr-defined]
    endpoint = _own_endpoint(endpoint_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if q.status:
        stmt = stmt.where(WebhookDelivery.status == q.status)
    rows, cursor = paginate(
        db(), stmt, model=WebhookDelivery, sort="-created_at", limit=q.limit, cursor=q.cursor
    )
    items = [row_to_dict(row, hidden=()) for row in rows]
    return json_response({"items": items, "next_cursor": cursor})


@bp.post("/me/push-subscriptions")
@returns(responses.PushSubscription, status=201)
@spec.validate(json=PushSubscriptionIn, tags=["notifications"], resp=SpecResponse(HTTP_201=None))
@transactional
def subscribe_push() -> Response:
    body: PushSubscriptionIn = request.context.json  # type: ignore[attr-defined]
    settings = resources().settings
    if not push.host_allowed(body.endpoint, settings):
        raise ApiError(
            422,
            "URL not allowed",
            details=[{"loc": ["endpoint"], "msg": "not a known push service (PUSH_ALLOWED_HOSTS)",
                      "type": "push_host_not_allowed"}],
        )  # fmt: skip
    try:
        check_url(body.endpoint, settings.notify.webhook_allowed_hosts)
    except RefusedUrl as exc:
        raise _refused("endpoint", exc) from None
    who = principal()
    held = db().scalar(
        select(func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.user_id == who.user_id, PushSubscription.endpoint != body.endpoint)
    )
    if (held or 0) >= settings.notify.push_max_per_user:
        raise ApiError(
            409,
            f"a user has at most {settings.notify.push_max_per_user} push subscriptions"
            " (PUSH_MAX_PER_USER); remove one first",
        )
    values = {
        "user_id": principal().user_id,
        "endpoint": body.endpoint,
        "p256dh": body.keys.p256dh,
        "auth": body.keys.auth,
    }
    # A browser re-subscribing (new keys) updates its own row; an endpoint another user
    # holds is not taken over (whoever knows the URL could otherwise steal the pushes).
    upsert = (
        insert(PushSubscription)
        .values(values)
        .on_conflict_do_update(
            constraint="uq_push_subscriptions_endpoint",
            set_=values,
            where=PushSubscription.user_id == principal().user_id,
        )
        .returning(PushSubscription.id, PushSubscription.endpoint, PushSubscription.created_at)
    )
    row = db().execute(upsert).first()
    if row is None:
        raise ApiError(409, "this push endpoint belongs to another user", code="conflict")
    out = {"id": row.id, "endpoint": row.endpoint, "created_at": row.created_at.isoformat()}
    return json_response(out, 201)


@bp.delete("/me/push-subscriptions")
@may_answer(404)  # no subscription with that endpoint
@spec.validate(
    query=PushSubscriptionQuery, tags=["notifications"], resp=SpecResponse(HTTP_204=None)
)
@transactional
def unsubscribe_push() -> Response:
    q: PushSubscriptionQuery = request.context.query  # type: ignore[attr-defined]
    stmt = delete(PushSubscription).where(
        PushSubscription.user_id == principal().user_id, PushSubscription.endpoint == q.endpoint
    )
    gone = db().execute(stmt.returning(PushSubscription.id)).first()
    if gone is None:
        raise not_found("push subscription")
    return Response(status=204)
