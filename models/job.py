"""The job ledger, which is also the transactional outbox.

A row is inserted in the same transaction as the write that causes the job
(``dispatched_at`` NULL: staged; a trigger adds its :class:`JobOutbox` row); the relay
sends it to the broker, deletes that row and stamps ``dispatched_at``; the worker's ledger
middleware records its fate. ``jobs`` is stored with ``fillfactor = 50`` (migration 0013)
so the stamp is a heap-only update (docs/decisions/0034-job-outbox-table.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class JobStatus(StrEnum):
    """Where a job is in its life; ``failed`` spent its retries, ``dead`` was stopped by us."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"
    CANCELED = "canceled"


JOB_STATUSES: tuple[JobStatus, ...] = tuple(JobStatus)
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED_STATUSES = tuple(s for s in JobStatus if s not in ACTIVE_STATUSES)


def sql_list(statuses: Iterable[JobStatus]) -> str:
    """``statuses`` as the items of an SQL ``IN (…)`` list: ``'queued', 'running'``."""
    return ", ".join(f"'{status}'" for status in statuses)


# The predicate of uq_jobs_unique_queued (an ``ON CONFLICT`` names it to infer the index).
UNIQUE_QUEUED = f"status = '{JobStatus.QUEUED}' AND attempts = 0 AND unique_key IS NOT NULL"


class Job(Base):
    """One job: its staged message and its ledger (status, attempts, progress, result)."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({sql_list(JOB_STATUSES)})",
            name="status",
        ),
        Index("ix_jobs_org_created", "org_id", "created_at"),
        # The operators' jobs explorer: newest first, alone or under one equality filter.
        Index("ix_jobs_created", "created_at", "id"),
        Index("ix_jobs_status_created", "status", "created_at", "id"),
        Index("ix_jobs_type_created", "type", "created_at", "id"),
        Index("ix_jobs_queue_created", "queue", "created_at", "id"),
        # A schedule's last run (GET /ops/schedule), without scanning every job.
        Index(
            "ix_jobs_schedule_created",
            "schedule_id",
            "created_at",
            postgresql_where=text("schedule_id IS NOT NULL"),
        ),
        Index(
            "ix_jobs_error_trgm",
            "error",
            postgresql_using="gin",
            postgresql_ops={"error": "gin_trgm_ops"},
        ),
        Index(
            "ix_jobs_org_active",
            "org_id",
            postgresql_where=text(f"status IN ({sql_list(ACTIVE_STATUSES)})"),
        ),
        # One queued, never-started job per uniqueness key (core.queueing.outbox.stage_unique);
        # a job that started, or waits for a retry, leaves it, so the next write stages anew.
        Index(
            "uq_jobs_unique_queued",
            "unique_key",
            unique=True,
            postgresql_where=text(UNIQUE_QUEUED),
        ),
        Index(
            "ix_jobs_active_schedule",
            "schedule_id",
            "org_id",
            postgresql_where=text(f"status IN ({sql_list(ACTIVE_STATUSES)})"),
        ),
        Index("ix_jobs_batch", "batch_id", "status", postgresql_where=text("batch_id IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    queue: Mapped[str] = mapped_column(String(64), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    message: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Attempts that ended with an outcome; ``attempts - completed_attempts`` counts crashes.
    completed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    result: Mapped[Any | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    schedule_id: Mapped[str | None] = mapped_column(String(64))
    unique_key: Mapped[str | None] = mapped_column(String(200))
    # Debounce: the relay sends the job no earlier than this.
    run_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The batch this job is a member of (models.batch); its counters follow this row's status.
    batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    redis_id: Mapped[str | None] = mapped_column(String(64))
    redis_queue: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AttemptOutcome(StrEnum):
    """How one attempt ended; an attempt with none yet is still running (or its worker
    died and no attempt followed)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"  # raised; the job is retried if it has retries left
    DEAD = "dead"  # stopped by SalesHub (too many crashes, age limit)
    CRASHED = "crashed"  # never ended: its worker died (closed when the next attempt starts)


class JobAttempt(Base):
    """One run of a job: which worker, when, how it ended, with the full traceback.

    Written by the worker's ledger in the same statements as the job's own transitions.
    """

    __tablename__ = "job_attempts"
    __table_args__ = (
        # "What is each worker running now" reads only unfinished attempts.
        Index(
            "ix_job_attempts_worker_open",
            "worker",
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))
    traceback: Mapped[str | None] = mapped_column(Text)


class JobOutbox(Base):
    """A staged job the relay has not sent yet: its id and when it is due (``run_after``
    for a debounced job). Written only by triggers on ``jobs`` (migration 0013: an insert,
    or an update that makes a job staged again); the relay claims and deletes it."""

    __tablename__ = "job_outbox"
    __table_args__ = (Index("ix_job_outbox_due", "due_at"),)

    job_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
