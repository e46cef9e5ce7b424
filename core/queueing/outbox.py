"""Staging jobs in the transactional outbox (the ``jobs`` table).

A job is staged in the caller's transaction: it exists exactly when the write that caused
it commits, and the relay sends it only after that commit, so it never runs before the
write is visible and is never lost once the write is. The trigger that puts a staged row
in ``job_outbox`` also sends ``NOTIFY`` on :data:`NOTIFY_CHANNEL` (migration 0016): the
relay wakes when the transaction commits, with no round trip of the stager's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dramatiq import Actor
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.queueing.status_feed import ORG_OPTION
from models import Job, JobStatus
from models.job import UNIQUE_QUEUED

# Marks a message as a staged job: the worker's ledger records its state.
LEDGER_OPTION = "saleshub_job"
NOTIFY_CHANNEL = "saleshub_outbox"
_INSERT = insert(Job).returning(Job)
_INSERT_IDS = insert(Job).returning(Job.id, sort_by_parameter_order=True)
_INSERT_ROWS = insert(Job).returning(Job, sort_by_parameter_order=True)
_INSERT_DEDUPED = insert(Job).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Job)
# A repeat under a uniqueness key takes the queued job's row lock (a no-op update, not DO
# NOTHING) until the repeat's transaction ends: the worker's start of that job waits for the
# commit, so the job cannot run before the write that was folded into it is visible.
_INSERT_UNIQUE = (
    insert(Job)
    .on_conflict_do_update(
        index_elements=["unique_key"],
        index_where=text(UNIQUE_QUEUED),
        set_={"unique_key": Job.unique_key},
    )
    .returning(Job)
)


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
    values = _values(actor, job_type, org_id, args, params, created_by, dedupe_key, schedule_id)
    values["batch_id"] = batch_id
    # Values go as bind parameters of one cached statement (not baked into a new one).
    stmt = _INSERT_DEDUPED if dedupe_key is not None else _INSERT
    return session.scalars(stmt, [values]).one_or_none()


def stage_many(
    session: Session,
    actor: Actor[Any, Any],
    *,
    job_type: str,
    org_id: int | None,
    args: Sequence[tuple[Any, ...]],
    created_by: int | None = None,
) -> list[uuid.UUID]:
    """Stage ``actor(*a)`` for each ``a`` of ``args`` in ``session``'s transaction; the ids.

    One ``INSERT … VALUES`` of up to 1,000 rows a statement (SQLAlchemy's insertmanyvalues),
    so the outbox triggers run once per statement and the stager pays one round trip, not
    one per job (a notification's fan-out, a producer's burst).
    """
    rows = _many(actor, job_type, org_id, args, None, created_by)
    return list(session.scalars(_INSERT_IDS, rows)) if rows else []


def stage_many_jobs(
    session: Session,
    actor: Actor[Any, Any],
    *,
    job_type: str,
    org_id: int | None,
    args: Sequence[tuple[Any, ...]],
    params: Sequence[dict[str, Any]] | None = None,
    created_by: int | None = None,
) -> list[Job]:
    """Like :func:`stage_many`, returning the new rows, in the order of ``args``; ``params``,
    when given, is each job's public parameters, in the same order."""
    rows = _many(actor, job_type, org_id, args, params, created_by)
    return list(session.scalars(_INSERT_ROWS, rows)) if rows else []


def _many(
    actor: Actor[Any, Any],
    job_type: str,
    org_id: int | None,
    args: Sequence[tuple[Any, ...]],
    params: Sequence[dict[str, Any]] | None,
    created_by: int | None,
) -> list[dict[str, Any]]:
    each = params if params is not None else [None] * len(args)
    return [
        _values(actor, job_type, org_id, a, p, created_by, None, None)
        for a, p in zip(args, each, strict=True)
    ]


def stage_unique(
    session: Session,
    actor: Actor[Any, Any],
    *,
    job_type: str,
    org_id: int | None,
    unique_key: str,
    debounce_s: float = 0.0,
    args: tuple[Any, ...] = (),
    params: dict[str, Any] | None = None,
    created_by: int | None = None,
) -> tuple[Job, bool]:
    """Stage a job unless one under ``unique_key`` is queued and not yet started.

    Returns the job and whether it was already there (deduplicated). A job that has
    started no longer counts: a write after its start stages one more run (the trailing
    edge), so the last write is always covered. ``debounce_s`` holds a new job back that
    long (the relay sends it no earlier), so a burst of writes folds into one run.
    """
    values = _values(actor, job_type, org_id, args, params, created_by, None, None)
    values["unique_key"] = unique_key
    values["run_after"] = (
        datetime.now(UTC) + timedelta(seconds=debounce_s) if debounce_s > 0 else None
    )
    job = session.scalars(_INSERT_UNIQUE, [values]).one()
    return job, job.id != values["id"]


def _values(
    actor: Actor[Any, Any],
    job_type: str,
    org_id: int | None,
    args: tuple[Any, ...],
    params: dict[str, Any] | None,
    created_by: int | None,
    dedupe_key: str | None,
    schedule_id: str | None,
) -> dict[str, Any]:
    options: dict[str, Any] = {LEDGER_OPTION: True}
    if org_id is not None:
        options[ORG_OPTION] = org_id  # scopes its websocket events
    message = actor.message_with_options(args=args, **options)
    return {
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
        "batch_id": None,
    }


def stage(session: Session, actor: Actor[Any, Any], **kwargs: Any) -> uuid.UUID | None:
    """Like :func:`stage_job`, returning only the job id."""
    job = stage_job(session, actor, **kwargs)
    return None if job is None else job.id
