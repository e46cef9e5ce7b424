"""Notification channels with slow providers, on queues of their own: webhooks and web push.

The webhook retry schedule is ours (``core.notify.webhooks.RETRY_SCHEDULE_S``, driven by
``notifications.webhooks_due``), not Dramatiq's: its retries only cover a crash of the job.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from dramatiq.middleware import CurrentMessage

from core.notify import push as push_channel
from core.notify import webhooks
from core.queueing.broker import actor, current_broker
from core.queueing.fairness import OrgSlots
from core.queueing.status_feed import ORG_OPTION
from jobs.runtime import current_settings, session_scope


@actor(
    actor_name="notifications.webhook",
    queue_name="webhooks",
    max_retries=2,
    min_backoff=1_000,
    max_backoff=10_000,
    # Above the 15 s request deadline (WEBHOOK_TIMEOUT_S), with room for the database.
    time_limit=60_000,
    max_age=86_400_000,
)
def webhook(delivery_id: int, attempt: int | None = None) -> dict[str, Any] | None:
    """Make one attempt of a webhook delivery (a stale or duplicate message does nothing)."""
    settings = current_settings()
    broker = current_broker()
    client = getattr(broker, "client", None)  # none on a StubBroker (unit tests)
    slots = OrgSlots(client, broker.namespace) if client is not None else None  # type: ignore[attr-defined]
    with session_scope() as session:
        outcome = webhooks.deliver(
            session, delivery_id, settings, datetime.now(UTC), attempt=attempt, slots=slots
        )
    if outcome is not None and "retry_in_s" in outcome:
        # The endpoint is at its concurrency cap: this attempt waits, off the worker.
        delay_ms = int(outcome["retry_in_s"] * 1000 * random.uniform(0.75, 1.5))  # nosec B311
        org_id = CurrentMessage.get_current_message().options.get(ORG_OPTION)  # type: ignore[union-attr]
        webhook.send_with_options(
            args=(delivery_id, attempt), delay=delay_ms, **({ORG_OPTION: org_id} if org_id else {})
        )
    return outcome


@actor(
    actor_name="notifications.webhooks_due",
    queue_name="webhooks",
    max_retries=0,
    time_limit=60_000,
    # The next fire does the same work: a late one is dropped.
    max_age=60_000,
)
def webhooks_due() -> dict[str, int]:
    """Stage the webhook attempts whose retry time has come."""
    with session_scope() as session:
        return {"staged": webhooks.due(session, datetime.now(UTC), actor=webhook)}


@actor(
    actor_name="notifications.push",
    queue_name="push",
    max_retries=2,
    min_backoff=1_000,
    max_backoff=10_000,
    time_limit=60_000,
    max_age=3_600_000,
)
def push(delivery_id: int) -> dict[str, Any] | None:
    """Send one notification to every push subscription of its user."""
    settings = current_settings()
    with session_scope() as session:
        return push_channel.send(session, delivery_id, settings)
