"""Staging jobs in the transactional outbox (the ``jobs`` table).

A job is staged in the caller's transaction: it exists exactly when the write that caused
it commits, and the relay sends it only after that commit, so it never runs before the
write is visible and is never lost once the write is.
"""

from __future__ import annotations

import uuid
from typing import Any

from dramatiq import Actor
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.queueing.status_feed import ORG_OPTION
from models import Job, JobStatus

# Marks a message as a staged job: the worker's ledger records its state.
LEDGER_OPTION = "saleshub_job"
NOTIFY_CHANNEL = "saleshub_outbox"
_INSERT = insert(Job).returning(Job)
_INSERT_DEDUPED = insert(Job).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Job)
_NOTIFY = text("SELECT pg_notify(:channel, '')")


def stage_job(
    session: Session,
    actor: Actor[Any, Any],
    *,
    job_type: str,
    org_id: int | None,
    args: tuple[Any, ...] = (),
    params: dict[str, Any] | None = None,
    created_by: int | None = None,
    dedupe_key: str | None = None,
    schedule_id: str | None = None,
    batch_id: uuid.UUID | None = None,
) -> Job | None:
    """Stage ``actor(*args)`` in ``session``'s transaction; return the new job row.

    With ``dedupe_key``, a second staging under the same key stages nothing and returns
    ``None``. With ``batch_id``, the job is a member of that batch (core.queueing.batches).
    """
    options: dict[str, Any] = {LEDGER_OPTION: True}
    if org_id is not None:
        options[ORG_OPTION] = org_id  # scopes its websocket events
    message = actor.message_with_options(args=args, **options)
    values = {
        "id": uuid.UUID(message.message_id),
        "org_id": org_id,
        "type": job_type,
        "actor": actor.actor_name,
        "queue": actor.queue_name,
        "params": params or {},
        "message": message.asdict(),
        "status": JobStatus.QUEUED,
        "attempts": 0,
        "completed_attempts": 0,
        "progress": 0,
        "created_by": created_by,
        "dedupe_key": dedupe_key,
        "schedule_id": schedule_id,
        "batch_id": batch_id,
    }
    # Values go as bind parameters of one cached statement (not baked into a new one).
    stmt = _INSERT_DEDUPED if dedupe_key is not None else _INSERT
    job = session.scalars(stmt, [values]).one_or_none()
    if job is None:
        return None
    transaction = session.get_transaction()
    if session.info.get("outbox_notified") is not transaction:
        # NOTIFY is transactional: the relay wakes only if and when this commits.
        session.execute(_NOTIFY, {"channel": NOTIFY_CHANNEL})
        session.info["outbox_notified"] = transaction
    return job


def stage(session: Session, actor: Actor[Any, Any], **kwargs: Any) -> uuid.UUID | None:
    """Like :func:`stage_job`, returning only the job id."""
    job = stage_job(session, actor, **kwargs)
    return None if job is None else job.id
