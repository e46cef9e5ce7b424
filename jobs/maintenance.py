"""Platform housekeeping jobs, and the canaries that time the job path of every queue."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from dramatiq import Actor
from sqlalchemy import delete, text

from core.ops import canary as canaries
from core.queueing import job_state
from core.queueing.broker import actor, current_broker
from core.queueing.queues import NAMES
from jobs.runtime import current_settings, session_scope
from models import IdempotencyKey

JOB_RETENTION = timedelta(days=14)


@actor(
    actor_name="maintenance.cleanup",
    queue_name="bulk",
    max_retries=2,
    time_limit=300_000,
    max_age=3_600_000,
)
def cleanup() -> dict[str, Any]:
    """Delete expired idempotency keys and finished jobs past retention."""
    now = datetime.now(UTC)
    ttl = timedelta(seconds=current_settings().web.idempotency_ttl_s)
    with session_scope() as session:
        keys = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - ttl))
        jobs = job_state.clean_up(session, finished_before=now - JOB_RETENTION)
        return {"idempotency_keys": keys.rowcount, "jobs": jobs}  # type: ignore[attr-defined]


def _canary(queue: str) -> Actor[Any, Any]:
    @actor(actor_name=f"maintenance.canary.{queue}", queue_name=queue, max_retries=0)
    def canary(sent_at: float) -> dict[str, float]:
        """A no-op that times the job path: staged → started, and one database round trip."""
        started = time.time()
        with session_scope() as session:
            session.execute(text("SELECT 1"))
        client = current_broker().client  # type: ignore[attr-defined]
        return canaries.record(
            client, queue, sent_at=sent_at, started_at=started, run_s=time.time() - started
        )

    return canary


# One canary actor per queue: an actor belongs to one queue.
CANARIES: dict[str, Actor[Any, Any]] = {queue: _canary(queue) for queue in NAMES}
