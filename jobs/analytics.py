"""Analytics jobs."""

from __future__ import annotations

from typing import Any

from core import rollups
from core.queueing.broker import actor
from jobs.runtime import session_scope


@actor(
    actor_name="analytics.rollup",
    queue_name="default",
    max_retries=3,
    min_backoff=1_000,
    max_backoff=60_000,
    time_limit=120_000,
    max_age=3_600_000,
)
def rollup(org_id: int) -> dict[str, Any]:
    """Recompute the analytics snapshot of one organization."""
    with session_scope() as session:
        return rollups.rollup_org(session, org_id)
