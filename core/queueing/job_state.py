"""Every job state transition, in one place.

A job is staged ``queued`` (:data:`stage`, in the caller's transaction); the worker's ledger
marks it ``running`` (start), records its progress, and ends it ``succeeded``, ``failed``
(its retries spent; a failure with retries left goes back to ``queued``) or ``dead``
(stopped by SalesHub). A queued job can be canceled; dead-lettered jobs are queued again;
old finished jobs are cleaned up.

The worker's transitions run through the ledger's group-commit writer
(:mod:`core.queueing.ledger_store`), so they are SQL constants here, with their parameters
in order; the others are typed functions taking a :class:`~sqlalchemy.orm.Session`. The
SQL is built from :class:`~models.job.JobStatus` values only (never from input).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.queueing.outbox import stage_job
from core.queueing.starts import StartBook
from models.job import ACTIVE_STATUSES, AttemptOutcome, Job, JobStatus, sql_list

# Failed and dead jobs stay until an operator deals with them; these go after retention.
DISPOSABLE_STATUSES = (JobStatus.SUCCEEDED, JobStatus.CANCELED)

#: Stage a job ``queued`` in the caller's transaction (see :mod:`core.queueing.outbox`).
stage = stage_job

# ``(…) IS TRUE`` (status is NOT NULL, so the same rows): a bare ``status IN ('queued',
# 'running')`` implies the predicate of the partial index ix_jobs_active_schedule, and with
# statistics that say few jobs are active (the usual state: finished jobs are kept 14
# days) the planner then scans that whole index for every statement instead of using the
# primary key: 0.7 ms a statement with 6,000 active jobs, and linear in the backlog.
# tests/core/queueing/test_ledger_store.py checks the plans.

# Succeed and start, in one statement (one commit; any list may be empty), prepared
# once per connection by the ledger's writer. Every update sees the same snapshot, so a
# start of a job succeeding in this statement is excluded: it is finished. A job that is
# no longer queued or running (finished, canceled) does not start. Each job's attempts
# (``job_attempts``) ride along: a success closes its attempt, a start opens one (named
# after the worker) and closes the previous one if it never ended (a crash); every one
# of those is a primary-key lookup. A job that ran without a start write (it finished
# within ``LEDGER_RUNNING_AFTER_MS``, docs/decisions/0028) is counted, started and
# finished at once ("ran"): its attempt is inserted already closed. Parameters: success
# ids, their JSON results, start ids, each a text array literal, the worker's id ('' if
# none), then ran ids, their JSON results and their start times (text arrays). Returns
# each started id with its crash count (attempts that ended without an outcome).
SUCCEED_AND_START_SQL = f"""
WITH done AS (
  UPDATE jobs SET status = '{JobStatus.SUCCEEDED}', result = v.result::jsonb, progress = 100,
         error = NULL, completed_attempts = completed_attempts + 1, finished_at = now(),
         updated_at = now()
  FROM unnest($1::text::uuid[], $2::text::text[]) AS v(id, result)
  WHERE jobs.id = v.id
  RETURNING jobs.id, jobs.attempts
), done_attempts AS (
  UPDATE job_attempts a SET outcome = '{AttemptOutcome.SUCCEEDED}', finished_at = now()
  FROM done WHERE a.job_id = done.id AND a.attempt = done.attempts AND a.finished_at IS NULL
), ran AS (
  UPDATE jobs SET status = '{JobStatus.SUCCEEDED}', result = v.result::jsonb, progress = 100,
         error = NULL, attempts = attempts + 1, completed_attempts = completed_attempts + 1,
         started_at = coalesce(started_at, v.started), finished_at = now(), updated_at = now()
  FROM unnest($5::text::uuid[], $6::text::text[], $7::text::timestamptz[])
       AS v(id, result, started)
  WHERE jobs.id = v.id AND (jobs.status IN ({sql_list(ACTIVE_STATUSES)})) IS TRUE
  RETURNING jobs.id, jobs.attempts, v.started
), ran_crashed AS (
  UPDATE job_attempts a SET outcome = '{AttemptOutcome.CRASHED}', finished_at = now()
  FROM ran r WHERE a.job_id = r.id AND a.attempt = r.attempts - 1 AND a.finished_at IS NULL
), ran_attempts AS (
  INSERT INTO job_attempts (job_id, attempt, worker, started_at, finished_at, outcome)
  SELECT id, attempts, nullif($4::text, ''), started, now(), '{AttemptOutcome.SUCCEEDED}'
  FROM ran
  ON CONFLICT DO NOTHING
), started AS (
  UPDATE jobs SET status = '{JobStatus.RUNNING}', attempts = attempts + 1,
         started_at = coalesce(started_at, now()), updated_at = now()
  WHERE id = ANY($3::text::uuid[]) AND id <> ALL($1::text::uuid[])
    AND id <> ALL($5::text::uuid[])
    AND (status IN ({sql_list(ACTIVE_STATUSES)})) IS TRUE
  RETURNING id, attempts, attempts - completed_attempts - 1 AS crashes
), crashed AS (
  UPDATE job_attempts a SET outcome = '{AttemptOutcome.CRASHED}', finished_at = now()
  FROM started s WHERE a.job_id = s.id AND a.attempt = s.attempts - 1 AND a.finished_at IS NULL
), opened AS (
  INSERT INTO job_attempts (job_id, attempt, worker, started_at)
  SELECT id, attempts, nullif($4::text, ''), now() FROM started
  ON CONFLICT DO NOTHING
)
SELECT id::text, crashes FROM started
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input

# Parameters: progress (0..100), job id. Only a running job moves.
PROGRESS_SQL = f"""
UPDATE jobs SET progress = %s, updated_at = now()
WHERE id = %s AND (status = '{JobStatus.RUNNING}') IS TRUE
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input

# An attempt raised. Parameters: status (:func:`failure_status`), error (one line, what
# the job's owner sees), the same status again, job id, the full traceback (bounded, what
# operators see on the attempt). ``failed`` is final (finished_at set); ``queued`` waits
# for its retry.
FAIL_SQL = f"""
WITH j AS (
  UPDATE jobs SET status = %s, error = %s, completed_attempts = completed_attempts + 1,
         finished_at = CASE WHEN %s = '{JobStatus.FAILED}' THEN now() END, updated_at = now()
  WHERE id = %s AND (status = '{JobStatus.RUNNING}') IS TRUE
  RETURNING id, attempts
)
UPDATE job_attempts a SET outcome = '{AttemptOutcome.FAILED}', finished_at = now(), traceback = %s
FROM j WHERE a.job_id = j.id AND a.attempt = j.attempts
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input

# An attempt that ran without a start write (docs/decisions/0028) raised: counted, started
# and ended at once, its attempt inserted closed. Parameters: status, error, the same
# status again, its start time, job id, worker ('' if none), the start time again, the
# full traceback.
FAIL_RAN_SQL = f"""
WITH j AS (
  UPDATE jobs SET status = %s, error = %s, attempts = attempts + 1,
         completed_attempts = completed_attempts + 1,
         finished_at = CASE WHEN %s = '{JobStatus.FAILED}' THEN now() END,
         started_at = coalesce(started_at, %s), updated_at = now()
  WHERE id = %s AND (status IN ({sql_list(ACTIVE_STATUSES)})) IS TRUE
  RETURNING id, attempts
), crashed AS (
  UPDATE job_attempts a SET outcome = '{AttemptOutcome.CRASHED}', finished_at = now()
  FROM j WHERE a.job_id = j.id AND a.attempt = j.attempts - 1 AND a.finished_at IS NULL
)
INSERT INTO job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, traceback)
SELECT j.id, j.attempts, nullif(%s, ''), %s::timestamptz, now(), '{AttemptOutcome.FAILED}', %s
FROM j
ON CONFLICT DO NOTHING
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input

# The job succeeded but PostgreSQL refused to store its result (e.g. a ``\u0000`` in JSON):
# it is failed with the reason, so it does not block the ledger. Parameters: error, job id.
UNSTORABLE_RESULT_SQL = f"""
WITH j AS (
  UPDATE jobs SET status = '{JobStatus.FAILED}', error = %s, result = NULL,
         completed_attempts = completed_attempts + 1, finished_at = now(), updated_at = now()
  WHERE id = %s AND (status IN ({sql_list(ACTIVE_STATUSES)})) IS TRUE
  RETURNING id, attempts, error
)
UPDATE job_attempts a SET outcome = '{AttemptOutcome.FAILED}', finished_at = now(),
       traceback = j.error
FROM j WHERE a.job_id = j.id AND a.attempt = j.attempts AND a.finished_at IS NULL
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input

# A worker shutting down handed the job's message back to its queue before it finished: it
# waits to run again, and the attempt is not counted as a crash. Parameters: error, ids.
HANDED_BACK_SQL = f"""
UPDATE jobs SET status = '{JobStatus.QUEUED}', error = %s,
       completed_attempts = completed_attempts + 1, updated_at = now()
WHERE id = ANY(%s::uuid[]) AND (status = '{JobStatus.RUNNING}') IS TRUE
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input

# SalesHub stopped the job (it kept killing its worker, or passed its age limit); its
# attempt in progress, if any, ends ``dead`` with the reason. Parameters: error, job id.
DEAD_SQL = f"""
WITH j AS (
  UPDATE jobs SET status = '{JobStatus.DEAD}', error = %s, finished_at = now(),
         updated_at = now()
  WHERE id = %s
  RETURNING id, attempts, error
)
UPDATE job_attempts a SET outcome = '{AttemptOutcome.DEAD}', finished_at = now(),
       traceback = j.error
FROM j WHERE a.job_id = j.id AND a.attempt = j.attempts AND a.finished_at IS NULL
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input


def failure_status(*, gave_up: bool) -> JobStatus:
    """The status of a job whose attempt raised: failed once retries gave up, else queued."""
    return JobStatus.FAILED if gave_up else JobStatus.QUEUED


def cancel(session: Session, job_id: uuid.UUID, *, starts: StartBook | None) -> bool:
    """Cancel the job if it is still queued (not yet running); return whether it was.

    ``starts``: the broker's start book. A worker may be running a short job that is still
    ``queued`` in PostgreSQL (its one write comes at the end, docs/decisions/0028): the
    book says so, and marks the job so that no worker starts it without asking
    PostgreSQL. ``None`` only where no worker skips the start write (other brokers, tests).
    """
    redis_id = session.execute(
        select(Job.redis_id).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
    ).first()
    if redis_id is None:
        return False
    if starts is not None and starts.cancel([(job_id, redis_id[0])]):
        return False  # its message started: it is running
    now = datetime.now(UTC)
    canceled = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.CANCELED, finished_at=now, updated_at=now)
        .returning(Job.id)
    ).scalar_one_or_none()
    return canceled is not None


def requeue(session: Session, job_id: uuid.UUID, message: dict[str, Any]) -> bool:
    """Queue a job again as ``message`` with a fresh retry budget; return whether it exists."""
    requeued = session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            status=JobStatus.QUEUED,
            message=message,
            dispatched_at=None,
            finished_at=None,
            completed_attempts=Job.attempts,
            # A retried job is not the queued run of its uniqueness key (never blocks one).
            unique_key=None,
            run_after=None,
        )
        .returning(Job.id)
    ).scalar_one_or_none()
    return requeued is not None


def clean_up(session: Session, *, finished_before: datetime) -> int:
    """Delete succeeded and canceled jobs finished before ``finished_before``; return how many."""
    result = session.execute(
        delete(Job).where(Job.status.in_(DISPOSABLE_STATUSES), Job.finished_at < finished_before)
    )
    deleted: int = result.rowcount  # type: ignore[attr-defined]
    return deleted
