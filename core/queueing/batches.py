"""Batches: jobs staged together whose callback runs exactly once when every one is final.

A batch is a row of ``jobs`` (actor :data:`BATCH_ACTOR`, never sent to the broker; it is
``running`` until its members are final) plus a ``job_batches`` row of counters. Members
are staged with ``batch_id`` in the same transaction as the batch, or later by a member
of the batch (nesting: the adding member is still pending, so the batch cannot finish
under it). Counters move in PostgreSQL triggers in the same transaction as each member's
status, whoever writes it (the worker's ledger, a cancel, a requeue), and the statement
that takes ``pending`` to zero stages the callback in the outbox and finishes the batch:
there is no window in which a killed worker could lose or double the callback
(migrations/versions/0010_batches_imports.py; docs/decisions/0014-batches-and-imports.md).
Dramatiq's own group callbacks fire only when every child succeeds (#868).

The callback is called with the batch id first; a member may be a batch itself, and a
batch's callback is a member of the batch's own parent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from dramatiq import Actor
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from core.queueing.outbox import LEDGER_OPTION, stage_job
from core.queueing.status_feed import ORG_OPTION
from models import Job, JobBatch, JobStatus

BATCH_ACTOR = "saleshub.batch"
BATCH_QUEUE = "-"

_SEAL = text(
    "SELECT saleshub_batch_apply(ARRAY[CAST(:id AS uuid)], ARRAY[0], ARRAY[0], ARRAY[0], ARRAY[0])"
)
# Queued members of the batch and of every batch nested in it.
_CANCEL = text(f"""
WITH RECURSIVE tree(id) AS (
  SELECT CAST(:id AS uuid)
  UNION
  SELECT j.id FROM jobs j JOIN tree t ON j.batch_id = t.id WHERE j.actor = '{BATCH_ACTOR}'
)
UPDATE jobs SET status = '{JobStatus.CANCELED}', finished_at = now(), updated_at = now()
WHERE batch_id IN (SELECT id FROM tree) AND status = '{JobStatus.QUEUED}'
""")  # noqa: S608  # nosec B608  # constants only, no input
# Members by status of several batches (ix_jobs_batch answers it).
_MEMBERS = text(
    "SELECT batch_id, status, count(*) FROM jobs WHERE batch_id = ANY(:ids) GROUP BY 1, 2"
)


def open_batch(
    session: Session,
    *,
    org_id: int | None,
    job_type: str = "batch",
    params: dict[str, Any] | None = None,
    created_by: int | None = None,
    callback: Actor[Any, Any] | None = None,
    callback_args: tuple[Any, ...] = (),
    callback_type: str | None = None,
    parent_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Create a batch in ``session``'s transaction; return its id (also its job id).

    ``callback(batch_id, *callback_args)`` is staged once every member is final. Stage
    members with :func:`add`, then call :func:`seal` (it finishes a batch left empty).
    """
    batch_id = batch_id or uuid.uuid4()
    now = datetime.now(UTC)
    session.execute(
        insert(Job).values(
            id=batch_id,
            org_id=org_id,
            type=job_type,
            actor=BATCH_ACTOR,
            queue=BATCH_QUEUE,
            params=params or {},
            message={},
            status=JobStatus.RUNNING,
            attempts=0,
            completed_attempts=0,
            progress=0,
            created_by=created_by,
            batch_id=parent_id,
            dispatched_at=now,  # never claimed by the relay
            started_at=now,
        )
    )
    spec = None
    if callback is not None:
        options: dict[str, Any] = {LEDGER_OPTION: True}
        if org_id is not None:
            options[ORG_OPTION] = org_id
        message = callback.message_with_options(args=(str(batch_id), *callback_args), **options)
        spec = {
            "id": message.message_id,
            "type": callback_type or callback.actor_name,
            "actor": callback.actor_name,
            "queue": callback.queue_name,
            "params": {"batch_id": str(batch_id)},
            "message": message.asdict(),
        }
    session.execute(insert(JobBatch).values(id=batch_id, callback=spec))
    return batch_id


def add(session: Session, batch_id: uuid.UUID, actor: Actor[Any, Any], **kwargs: Any) -> Job:
    """Stage ``actor`` as a member of the batch, in ``session``'s transaction."""
    job = stage_job(session, actor, batch_id=batch_id, **kwargs)
    assert job is not None, "a batch member cannot be deduplicated away"
    return job


def seal(session: Session, batch_id: uuid.UUID) -> None:
    """Finish the batch now if it has no pending member (an empty batch fires at once)."""
    # A callback this stages wakes the relay at commit (the outbox trigger's NOTIFY, 0016).
    session.execute(_SEAL, {"id": str(batch_id)})


def cancel(session: Session, batch_id: uuid.UUID) -> int:
    """Cancel the queued members of the batch and of the batches nested in it; how many."""
    result = session.execute(_CANCEL, {"id": str(batch_id)})
    canceled: int = result.rowcount  # type: ignore[attr-defined]
    return canceled


def is_batch(job: Job) -> bool:
    """Whether ``job`` is a batch's own row."""
    return job.actor == BATCH_ACTOR


def summary(session: Session, batch_id: uuid.UUID) -> dict[str, Any] | None:
    """Counters, progress and members by status of a batch (None if it is not one)."""
    return summaries(session, [batch_id]).get(batch_id)


def summaries(session: Session, batch_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """:func:`summary` of each of ``batch_ids`` that is a batch, in two statements."""
    if not batch_ids:
        return {}
    rows = session.scalars(
        select(JobBatch).where(JobBatch.id.in_(batch_ids)).execution_options(populate_existing=True)
    )
    members: dict[uuid.UUID, dict[str, int]] = {}
    for batch_id, status, n in session.execute(_MEMBERS, {"ids": list(batch_ids)}):
        members.setdefault(batch_id, {})[str(status)] = int(n)
    out = {}
    for row in rows:
        done = row.total - row.pending
        out[row.id] = {
            "total": row.total,
            "pending": row.pending,
            "succeeded": row.succeeded,
            "failed": row.failed,
            "canceled": row.canceled,
            "progress": 100 if row.total == 0 else int(100 * done / row.total),
            "members": members.get(row.id, {}),
            "callback_job_id": (row.callback or {}).get("id"),
            "callback_staged_at": row.fired_at.isoformat() if row.fired_at else None,
        }
    return out


def batch_of(session: Session, job_id: uuid.UUID) -> uuid.UUID | None:
    """The batch ``job_id`` is a member of, if any."""
    return session.scalar(select(Job.batch_id).where(Job.id == job_id))
