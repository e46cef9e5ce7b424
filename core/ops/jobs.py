"""The operators' jobs explorer: every org's jobs by filter, one job's detail and timeline,
and retry or cancel from there.

The list is a keyset query (newest first) that one of the ``ix_jobs_*_created`` indexes
(or ``ix_jobs_org_created``) answers in order, so the first page is an index range scan
whatever the table's size; ``q`` is a job id, or text in its error (``pg_trgm`` index).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.ops import batches as ops_batches
from core.ops.deadletters import fresh_message
from core.queueing import job_state
from models import Job, JobAttempt, JobStatus

# A finished job an operator may run again; a succeeded one too (e.g. a rollup to redo).
RETRYABLE = (JobStatus.FAILED, JobStatus.DEAD, JobStatus.CANCELED, JobStatus.SUCCEEDED)


@dataclass(frozen=True)
class JobFilter:
    """What the explorer lists; every field given must match.

    Parameters:
      status, type, queue, org_id: equality filters.
      q: a job id (exact), or text its error contains (case-insensitive).
      since, until: bounds of its creation time (since inclusive, until exclusive).
    """

    status: str | None = None
    type: str | None = None
    queue: str | None = None
    org_id: int | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def query(f: JobFilter) -> Select[Any]:
    """The jobs matching ``f`` (unordered: the caller pages them newest first)."""
    stmt = select(Job)
    if f.status:
        stmt = stmt.where(Job.status == f.status)
    if f.type:
        stmt = stmt.where(Job.type == f.type)
    if f.queue:
        stmt = stmt.where(Job.queue == f.queue)
    if f.org_id is not None:
        stmt = stmt.where(Job.org_id == f.org_id)
    if f.since is not None:
        stmt = stmt.where(Job.created_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Job.created_at < f.until)
    if f.q:
        try:
            stmt = stmt.where(Job.id == uuid.UUID(f.q))
        except ValueError:
            stmt = stmt.where(Job.error.ilike(_like(f.q), escape="\\"))
    return stmt


def summary(job: Job) -> dict[str, Any]:
    """One row of the explorer's list."""
    return {
        "id": str(job.id),
        "org_id": job.org_id,
        "type": job.type,
        "actor": job.actor,
        "queue": job.queue,
        "status": job.status,
        "progress": job.progress,
        "attempts": job.attempts,
        "error": job.error,
        "schedule_id": job.schedule_id,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def attempts(session: Session, job: Job) -> list[dict[str, Any]]:
    """The job's attempts, first first: worker, start, end, outcome, full traceback."""
    rows = session.scalars(
        select(JobAttempt).where(JobAttempt.job_id == job.id).order_by(JobAttempt.attempt)
    )
    out = []
    for a in rows:
        outcome = a.outcome
        if outcome is None:
            last = a.attempt == job.attempts and job.status == JobStatus.RUNNING
            outcome = "running" if last else "unknown"
        ms = None
        if a.finished_at is not None:
            ms = round((a.finished_at - a.started_at).total_seconds() * 1000, 1)
        out.append(
            {
                "attempt": a.attempt,
                "worker": a.worker,
                "started_at": _iso(a.started_at),
                "finished_at": _iso(a.finished_at),
                "duration_ms": ms,
                "outcome": outcome,
                "traceback": a.traceback,
            }
        )
    return out


def detail(session: Session, job: Job) -> dict[str, Any]:
    """Everything about one job: params, progress, result, the attempts timeline, and its
    batch (if it is one) or the batch it is a member of."""
    return {
        **summary(job),
        "params": job.params,
        "result": job.result,
        "dedupe_key": job.dedupe_key,
        "created_by": job.created_by,
        "updated_at": _iso(job.updated_at),
        "dispatched_at": _iso(job.dispatched_at),
        "message": {
            "message_id": job.message.get("message_id"),
            "args": job.message.get("args"),
            "kwargs": job.message.get("kwargs"),
            "options": {
                k: v for k, v in job.message.get("options", {}).items() if k != "traceback"
            },
        },
        "attempts_timeline": attempts(session, job),
        "retryable": job.status in RETRYABLE,
        "cancelable": job.status == JobStatus.QUEUED,
        **ops_batches.of_job(session, job),
    }


def retry(session: Session, job: Job) -> bool:
    """Queue a finished job again through the outbox (the relay sends it), with a fresh
    retry budget; False if it is not finished. The caller commits, then calls
    :func:`forget_dead_letter` so the same message cannot be retried twice."""
    if job.status not in RETRYABLE:
        return False
    # Staged again: the outbox trigger wakes the relay when this commits (0016).
    job_state.requeue(session, job.id, fresh_message(job.message, job.queue))
    return True


def forget_dead_letter(client: redis.Redis, namespace: str, job: Job) -> None:
    """Drop the job's old message from its queue's dead letters, if it is there."""
    if job.redis_id:
        xq = f"{namespace}:{job.queue}.XQ"
        pipe = client.pipeline(transaction=False)
        pipe.zrem(xq, job.redis_id)
        pipe.hdel(f"{xq}.msgs", job.redis_id)
        pipe.execute()


def running_by_worker(session: Session, worker_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """What each of ``worker_ids`` is running now: its open attempts of running jobs
    (actor, job id, org, running for), longest running first. Jobs not staged through the
    outbox have no ledger row and are counted only in a worker's ``in_flight``."""
    if not worker_ids:
        return {}
    rows = session.execute(
        select(
            JobAttempt.worker,
            JobAttempt.started_at,
            Job.id,
            Job.actor,
            Job.type,
            Job.queue,
            Job.org_id,
            Job.progress,
            func.now(),
        )
        .join(Job, Job.id == JobAttempt.job_id)
        .where(
            JobAttempt.worker.in_(worker_ids),
            JobAttempt.finished_at.is_(None),
            Job.status == JobStatus.RUNNING,
            JobAttempt.attempt == Job.attempts,
        )
        .order_by(JobAttempt.started_at)
    )
    out: dict[str, list[dict[str, Any]]] = {w: [] for w in worker_ids}
    for worker, started, job_id, actor, job_type, queue, org_id, progress, now in rows:
        out[str(worker)].append(
            {
                "job_id": str(job_id),
                "actor": actor,
                "type": job_type,
                "queue": queue,
                "org_id": org_id,
                "progress": progress,
                "started_at": _iso(started),
                "running_for_s": round((now - started).total_seconds(), 3),
            }
        )
    return out
