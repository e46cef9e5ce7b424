"""Live feed jobs: a committed CRM write enters its org's activity stream."""

from __future__ import annotations

import time
import uuid
from typing import Any

import redis
from dramatiq.middleware import CurrentMessage

from core.live import activity
from core.queueing.broker import actor, current_broker
from core.redis_clients import connect
from core.settings import Settings
from jobs.runtime import current_settings

_clients: dict[str, redis.Redis] = {}
# How long a job waits out a broker Redis that refuses connections before it fails.
OUTAGE_WAIT_S = 20.0


def _events_client(settings: Settings) -> redis.Redis:
    """The broker Redis, where events and streams live: the broker's own client when it is
    the Redis broker, else (a StubBroker in tests) one made once from the broker URL."""
    client = getattr(current_broker(), "client", None)
    if isinstance(client, redis.Redis):
        return client
    url = settings.broker.url
    if url not in _clients:
        _clients[url] = connect(url, timeout=settings.broker.socket_timeout_s)
    return _clients[url]


@actor(
    actor_name="live.activity",
    queue_name="critical",
    max_retries=5,
    min_backoff=500,
    max_backoff=10_000,
    time_limit=30_000,
    max_age=3_600_000,
)
def record_activity(org_id: int, entry: dict[str, Any]) -> str | None:
    """Append one write to its org's activity stream and publish it (once per message)."""
    message = CurrentMessage.get_current_message()
    settings = current_settings()
    limits = settings.realtime
    # The stream lives on the broker Redis, and so does Dramatiq's retry of this job: while
    # that Redis restarts, a retry enqueued now is lost with the enqueue (the chaos run found
    # such a job left queued). So the job waits out a short outage itself, then fails as
    # usual. The record is idempotent per message id, so a repeat changes nothing.
    deadline = time.monotonic() + OUTAGE_WAIT_S
    while True:
        try:
            return activity.record(
                _events_client(settings),
                org_id,
                entry,
                event_id=message.message_id if message is not None else uuid.uuid4().hex,
                max_entries=limits.activity_max_entries,
                retention_s=limits.activity_retention_s,
            )
        except redis.ConnectionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
