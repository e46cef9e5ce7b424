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

from core.ledger import LEDGER_OPTION
from models import Job

NOTIFY_CHANNEL = "saleshub_outbox"


def stage(
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
) -> uuid.UUID | None:
    """Stage ``actor(*args)`` in ``session``'s transaction; return the job id.

    With ``dedupe_key``, a second staging under the same key stages nothing and returns
    ``None``.
    """
    options: dict[str, Any] = {LEDGER_OPTION: True}
    message = actor.message_with_options(args=args, **options)
    job_id = uuid.UUID(message.message_id)
    values = {
        "id": job_id,
        "org_id": org_id,
        "type": job_type,
        "actor": actor.actor_name,
        "queue": actor.queue_name,
        "params": params or {},
        "message": message.asdict(),
        "status": "queued",
        "created_by": created_by,
        "dedupe_key": dedupe_key,
        "schedule_id": schedule_id,
    }
    stmt = insert(Job).values(**values)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    inserted = session.execute(stmt.returning(Job.id)).scalar_one_or_none()
    if inserted is None:
        return None
    transaction = session.get_transaction()
    if session.info.get("outbox_notified") is not transaction:
        # NOTIFY is transactional: the relay wakes only if and when this commits.
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
        session.info["outbox_notified"] = transaction
    return job_id
