"""Notification channels with slow providers, on queues of their own: webhooks and web push.

The webhook retry schedule is ours (``core.notify.webhooks.RETRY_SCHEDULE_S``, driven by
``notifications.webhooks_due``), not Dramatiq's: its retries only cover a crash of the job.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.notify import push as push_channel
from core.notify import webhooks
from core.queueing.broker import actor, current_broker
from core.queueing.status_feed import ORG_OPTION
from core.queueing.waiting_line import WaitingLine
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
def webhook(
    delivery_id: int, attempt: int | None = None, woken: bool = False
) -> dict[str, Any] | None:
    """Make one attempt of a webhook delivery (a stale or duplicate message does nothing).

    Over the endpoint's concurrency cap the attempt waits in the endpoint's line, off the
    worker; a call to the endpoint that ends sends the job of the next one in line
    (``woken``: it waits briefly for the row, which its waiter may not have committed yet).
    """
    settings = current_settings()
    broker = current_broker()
    client = getattr(broker, "client", None)  # none on a StubBroker (unit tests)
    line = (
        WaitingLine(client, broker.namespace, webhooks.ENDPOINT_SLOTS)  # type: ignore[attr-defined]
        if client is not None
        else None
    )
    with session_scope() as session:
        return webhooks.deliver(
            session, delivery_id, settings, datetime.now(UTC), attempt=attempt, line=line,
            wake=_wake, woken=woken,
        )  # fmt: skip


def _wake(woken: list[tuple[str, str]]) -> None:
    """Send the jobs of deliveries taken off an endpoint's line: (delivery id,
    ``"<attempt>|<org id>"``), as :func:`core.notify.webhooks.deliver` put them in it."""
    for delivery_id, ticket in woken:
        attempt, org_id = ticket.split("|")
        webhook.send_with_options(
            args=(int(delivery_id), int(attempt), True), **{ORG_OPTION: int(org_id)}
        )


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
