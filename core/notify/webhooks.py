"""Webhooks: org endpoints, signed deliveries (Standard Webhooks), retries on Svix's schedule.

Each (endpoint, event key) is one ``webhook_deliveries`` row, so an event emitted twice is
delivered once. One job makes one attempt, under a row lock, and records it; a failed
attempt sets ``next_attempt_at`` from :data:`RETRY_SCHEDULE_S`, and :func:`due` (a periodic
job) stages the next one. An endpoint failing for :data:`DISABLE_AFTER` is disabled.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg.errors
from dramatiq import Actor
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core import crypto
from core.notify.ssrf import RefusedUrl, check_url, safe_post
from core.notify.webhook_secrets import new_secret, signed_request
from core.queueing.fairness import LEASE_MARGIN_MS
from core.queueing.outbox import stage
from core.queueing.waiting_line import WaitingLine
from core.settings import Settings
from models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

ALL_EVENTS = "*"
# Svix's schedule: the first attempt at once, then each delay after the previous failure.
RETRY_SCHEDULE_S = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
DISABLE_AFTER = timedelta(days=5)
# A due delivery whose job vanished (a dead worker's, say) is staged again after this.
RESTAGE_S = 300
DUE_BATCH = 1000
# What the delivery log says of a URL refused at delivery (the reason is logged only).
REFUSED = "URL not allowed"
# Leased slots per endpoint (core.queueing.org_slots.OrgSlots, the endpoint id as owner).
ENDPOINT_SLOTS = "webhook-endpoint"
# A delivery in an endpoint's line (at its concurrency cap) is due again after this, in case
# the wake is lost (a worker dying between taking it off the line and sending its job).
WAIT_BACKSTOP_S = 60
# A woken delivery's job waits this long for its row's lock instead of skipping it: the wake
# can come before the waiter's transaction, which holds the lock, has committed. Under
# WAKE_RESERVE_MS (10 s), so a job that waited still finds the slot kept for it.
WAKE_LOCK_WAIT_MS = 5_000


def register(
    session: Session, org_id: int, url: str, events: list[str], settings: Settings
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint (its URL SSRF-checked); return it and its secret, to be shown once."""
    check_url(url, settings.notify.webhook_allowed_hosts)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        org_id=org_id,
        url=url,
        events=sorted(set(events)),
        secret=crypto.box(settings).encrypt(secret),
        enabled=True,
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def _stage(
    session: Session,
    actor: Actor[Any, Any],
    delivery_id: int,
    attempts: int,
    org_id: int,
    now: datetime,
) -> bool:
    # One job per attempt (per RESTAGE_S window): a second staging is a no-op.
    window = int(now.timestamp()) // RESTAGE_S
    staged = stage(
        session,
        actor,
        job_type=actor.actor_name,
        org_id=org_id,
        args=(delivery_id, attempts),
        dedupe_key=f"webhook:{delivery_id}:{attempts}:{window}",
    )
    return staged is not None


def emit(
    session: Session,
    *,
    org_id: int,
    event_key: str,
    event_type: str,
    payload: dict[str, Any],
    actor: Actor[Any, Any],
    now: datetime | None = None,
) -> list[int]:
    """Record one delivery per enabled endpoint of the org subscribed to ``event_type``.

    Idempotent on (endpoint, ``event_key``); stages an ``actor`` job (one attempt, see
    :func:`deliver`) per new delivery in the caller's transaction. Returns the new ids.
    """
    endpoints = session.scalars(
        select(WebhookEndpoint.id).where(
            WebhookEndpoint.org_id == org_id,
            WebhookEndpoint.enabled.is_(True),
            or_(
                WebhookEndpoint.events.any_() == event_type,
                WebhookEndpoint.events.any_() == ALL_EVENTS,
            ),
        )
    ).all()
    if not endpoints:
        return []
    when = now or datetime.now(UTC)
    rows = [
        {
            "endpoint_id": endpoint_id,
            "event_key": event_key,
            "event_type": event_type,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": when,
        }
        for endpoint_id in endpoints
    ]
    created = session.scalars(
        insert(WebhookDelivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_key"])
        .returning(WebhookDelivery.id)
    ).all()
    for delivery_id in created:
        _stage(session, actor, delivery_id, 0, org_id, when)
    return list(created)


def _disable(session: Session, endpoint_id: int, since: datetime, now: datetime) -> None:
    session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(enabled=False, disabled_reason=f"failing since {since.isoformat()}")
    )
    # Deliveries in flight hold their row lock: skip them, they see the endpoint disabled.
    pending = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .with_for_update(skip_locked=True)
    )
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(pending.scalar_subquery()))
        .values(
            status="skipped", last_error="endpoint disabled", next_attempt_at=None, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )


def _attempt(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, settings: Settings, now: datetime
) -> str | None:
    """POST one attempt; record its status on ``delivery``; return the error, if any."""
    body, headers = signed_request(endpoint, delivery, now, settings)
    delivery.attempts += 1
    delivery.response_status = None
    try:
        resp = safe_post(
            endpoint.url,
            body,
            headers,
            timeout=settings.notify.webhook_timeout_s,
            allowed_hosts=settings.notify.webhook_allowed_hosts,
        )
    except RefusedUrl as exc:
        # The reason can name an internal address the host resolved to (a DNS change, a
        # redirect): it goes to the log, and the delivery log an admin reads stays generic,
        # as at registration (web.webhooks_api), so no one maps internal DNS through it.
        log.warning("webhook endpoint %s refused at delivery: %s", endpoint.id, exc)
        return REFUSED
    except (OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    delivery.response_status = resp.status
    if 200 <= resp.status < 300:
        return None
    snippet = resp.body[:500].decode("utf-8", "replace").strip()
    return f"HTTP {resp.status}: {snippet}" if snippet else f"HTTP {resp.status}"


def _wake(wake: Callable[[list[tuple[str, str]]], None], woken: list[tuple[str, str]],
          endpoint_id: int) -> None:  # fmt: skip
    # Best effort: this attempt is made and must be recorded; a wake that fails leaves the
    # woken deliveries to their backstop (``WAIT_BACKSTOP_S``).
    try:
        wake(woken)
    except Exception:
        log.exception("endpoint %s: %d deliveries taken off its line not sent", endpoint_id,
                      len(woken))  # fmt: skip


def _lock(session: Session, delivery_id: int, *, wait_ms: int) -> WebhookDelivery | None:
    """The delivery's row, locked; ``None`` if it is gone or another transaction holds it
    (at once, or after ``wait_ms``)."""
    query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if wait_ms <= 0:
        return session.scalars(query.with_for_update(skip_locked=True)).one_or_none()
    # In a savepoint, so a lock timeout rolls back only it (and the setting made in it).
    try:
        with session.begin_nested():
            before = session.execute(select(func.current_setting("lock_timeout"))).scalar_one()
            session.execute(select(func.set_config("lock_timeout", f"{wait_ms}ms", True)))
            delivery = session.scalars(query.with_for_update()).one_or_none()
            session.execute(select(func.set_config("lock_timeout", before, True)))
    except OperationalError as exc:
        if not isinstance(exc.orig, psycopg.errors.LockNotAvailable):
            raise
        return None
    return delivery


def deliver(
    session: Session,
    delivery_id: int,
    settings: Settings,
    now: datetime,
    *,
    attempt: int | None = None,
    line: WaitingLine | None = None,
    wake: Callable[[list[tuple[str, str]]], None] | None = None,
    woken: bool = False,
) -> dict[str, Any] | None:
    """Make one attempt of a due delivery and record it; ``None`` if there is nothing to do.

    The row is locked for the attempt (``SKIP LOCKED``): a duplicate job running meanwhile
    does nothing, and one running later finds it delivered, or (``attempt``, the attempt
    number its job was staged for, or else ``now``) finds its attempt already made.

    An endpoint paused by its circuit breaker is not called: the delivery waits for the
    end of the pause. With ``line``, at most ``WEBHOOK_MAX_IN_FLIGHT`` deliveries call one
    endpoint at once; one over it is not attempted and waits in the endpoint's line
    (``"waiting"``); each call that ends takes the next one off the line and hands its
    ``(delivery id, "<attempt>|<org id>")`` to ``wake``, which sends its job.

    A ``woken`` job (sent by ``wake``) waits up to :data:`WAKE_LOCK_WAIT_MS` for the row
    instead of skipping it: the wake may have come before the waiter committed.
    """
    delivery = _lock(session, delivery_id, wait_ms=WAKE_LOCK_WAIT_MS if woken else 0)
    if delivery is None:
        if woken:
            # Its slot lapses after WAKE_RESERVE_MS: it is not given back here, as the job
            # holding the row may be using it (the slot is the delivery's, not the job's).
            log.warning("woken webhook delivery %s: gone, or its row stayed locked", delivery_id)
        return None
    if delivery.status != "pending":
        return None
    if attempt is not None and attempt != delivery.attempts:
        return None
    if attempt is None and delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None
    # Not locked: a slow endpoint must not serialize its deliveries.
    endpoint = session.get_one(WebhookEndpoint, delivery.endpoint_id)
    delivery.updated_at = now
    if endpoint.enabled and endpoint.paused_until is not None and endpoint.paused_until > now:
        delivery.next_attempt_at = endpoint.paused_until
        return {
            **_outcome(delivery, enabled=True),
            "paused_until": endpoint.paused_until.isoformat(),
        }
    held, cap = None, settings.notify.webhook_max_in_flight
    if line is not None and endpoint.enabled:
        held, ticket = str(delivery.id), f"{delivery.attempts}|{endpoint.org_id}"
        lease_ms = int(settings.notify.webhook_timeout_s * 1000) + LEASE_MARGIN_MS
        if not line.acquire_or_wait(endpoint.id, held, ticket, cap=cap, lease_ms=lease_ms):
            delivery.next_attempt_at = now + timedelta(seconds=WAIT_BACKSTOP_S)
            return {**_outcome(delivery, enabled=True), "waiting": True}
    try:
        error = (
            "endpoint disabled"
            if not endpoint.enabled
            else _attempt(endpoint, delivery, settings, now)
        )
    finally:
        if line is not None and held is not None:
            taken = line.release(endpoint.id, held, cap=cap)
            if taken and wake is not None:
                _wake(wake, taken, endpoint.id)
    if error is None:
        delivery.status, delivery.last_error, delivery.next_attempt_at = "delivered", None, None
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint.id)
            .values(failing_since=None, consecutive_failures=0, paused_until=None)
            .execution_options(synchronize_session=False)
        )
        return _outcome(delivery, enabled=True)
    delivery.last_error = error
    if not endpoint.enabled:
        delivery.status, delivery.next_attempt_at = "skipped", None
        return _outcome(delivery, enabled=False)
    # The breaker: past N failures in a row the endpoint pauses M (each failure after that,
    # the one attempt a pause lets through among them, pauses it again).
    failures = WebhookEndpoint.consecutive_failures + 1
    scale = settings.notify.webhook_retry_scale
    pause_end = now + timedelta(seconds=settings.notify.webhook_breaker_pause_s * scale)
    row = session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id)
        .values(
            failing_since=func.coalesce(WebhookEndpoint.failing_since, now),
            consecutive_failures=failures,
            paused_until=case(
                (failures >= settings.notify.webhook_breaker_failures, pause_end),
                else_=WebhookEndpoint.paused_until,
            ),
        )
        .returning(
            WebhookEndpoint.failing_since, WebhookEndpoint.enabled, WebhookEndpoint.paused_until
        )
        .execution_options(synchronize_session=False)
    ).one()
    since: datetime = row.failing_since  # never NULL after the COALESCE
    enabled: bool = row.enabled
    if delivery.attempts < len(RETRY_SCHEDULE_S) and enabled:
        delay = timedelta(seconds=RETRY_SCHEDULE_S[delivery.attempts] * scale)
        delivery.next_attempt_at = now + delay
        if row.paused_until is not None and row.paused_until > delivery.next_attempt_at:
            delivery.next_attempt_at = row.paused_until
    else:
        # Out of attempts, or the endpoint was disabled while this attempt was in flight.
        delivery.status, delivery.next_attempt_at = "failed", None
    if enabled and now - since >= DISABLE_AFTER * scale:
        delivery.status, delivery.next_attempt_at = "failed", None
        session.flush()
        _disable(session, endpoint.id, since, now)
        enabled = False
    return _outcome(delivery, enabled=enabled)


def _outcome(delivery: WebhookDelivery, *, enabled: bool) -> dict[str, Any]:
    return {
        "delivery_id": delivery.id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "endpoint_enabled": enabled,
    }


def due(session: Session, now: datetime, *, actor: Actor[Any, Any], limit: int = DUE_BATCH) -> int:
    """Stage an ``actor`` job for every pending delivery now due; return how many."""
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookEndpoint.org_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    ).all()
    return sum(_stage(session, actor, r.id, r.attempts, r.org_id, now) for r in rows)
