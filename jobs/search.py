"""Search jobs: keep each org's index current, rebuild and check it, roll up analytics."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import search
from core.queueing.broker import actor
from core.queueing.outbox import stage
from core.redis_clients import connect
from jobs.runtime import current_settings, report_progress, session_scope

ENTITY_TYPES = {"companies": "company", "contacts": "contact", "deals": "deal", "leads": "lead"}


@actor(
    actor_name="search.index",
    queue_name="default",
    max_retries=5,
    min_backoff=200,
    max_backoff=30_000,
    time_limit=60_000,
    max_age=3_600_000,
)
def index(org_id: int, entity_type: str, entity_id: int) -> dict[str, Any]:
    """Bring one record's search document up to date (a tombstone if it is gone)."""
    with session_scope() as session:
        done = search.index_many(session, org_id, entity_type, [entity_id])
        if done["renamed"]:
            # Its name lives on in other documents (a contact's company): re-index them.
            stage(
                session,
                fanout,
                job_type="search.fanout",
                org_id=org_id,
                args=(org_id, entity_type, entity_id),
            )
        return done


@actor(
    actor_name="search.fanout",
    queue_name="default",
    max_retries=5,
    min_backoff=1_000,
    max_backoff=60_000,
    time_limit=600_000,
    max_age=3_600_000,
)
def fanout(org_id: int, entity_type: str, entity_id: int) -> dict[str, int]:
    """Re-index the documents that carry a renamed or deleted record's name."""
    with session_scope() as session:
        return search.fanout(session, org_id, entity_type, entity_id)


@actor(
    actor_name="search.reindex",
    queue_name="bulk",
    max_retries=2,
    min_backoff=10_000,
    time_limit=3_600_000,
    max_age=86_400_000,
)
def reindex(org_id: int) -> dict[str, Any]:
    """Rebuild the search index and vocabulary of one organization, in batches."""
    with session_scope() as session:
        return search.reindex_org(session, org_id, progress=report_progress)


@actor(
    actor_name="search.health",
    queue_name="bulk",
    max_retries=1,
    time_limit=1_800_000,
    max_age=43_200_000,
)
def health(org_id: int) -> dict[str, Any]:
    """Compare an org's index with its records, repair drift and recount the vocabulary."""
    with session_scope() as session:
        return search.check_health(session, org_id)


@actor(
    actor_name="search.analytics",
    queue_name="default",
    max_retries=2,
    time_limit=120_000,
    max_age=600_000,
)
def analytics() -> dict[str, Any]:
    """Roll buffered search events up into the per-org analytics tables."""
    settings = current_settings()
    client = connect(settings.broker.url)
    try:
        with session_scope() as session:
            return search.rollup(
                session, client, retention_days=settings.search.analytics_retention_days
            )
    finally:
        client.close()


def stage_index(session: Session, org_id: int, row: Any, _action: str) -> None:
    """A write hook: stage ``search.index`` of the written row in the write's transaction."""
    stage(
        session,
        index,
        job_type="search.index",
        org_id=org_id,
        args=(org_id, ENTITY_TYPES[row.__tablename__], row.id),
    )
