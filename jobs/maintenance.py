"""Platform housekeeping jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete

from core.queueing import job_state
from core.queueing.broker import actor
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
