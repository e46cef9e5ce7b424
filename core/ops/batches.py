"""The operators' view of batches and imports, every org's: members by status, the
callback's state, an import's rows read, committed and rejected so far.

Counts come from the batch code (:func:`core.queueing.batches.summaries`, the counters the
triggers keep) and the import code (:func:`core.bulk.imports.totals`); this module only
picks rows, pages them and adds what an operator needs beside (org, parent, callback).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, true, tuple_
from sqlalchemy.orm import Session

from core.bulk import imports
from core.queueing import batches
from models import Import, Job, JobBatch

# An import's first member, which reads the file: its start is the import's.
SPLIT_TYPE = "import.split"


@dataclass(frozen=True)
class BatchFilter:
    """Which batches to list; every field given must match.

    Parameters:
      status: the batch's own status (``running`` until every member is final).
      type: the batch's job type (``import`` for an import's batch).
      org_id: the org it belongs to.
    """

    status: str | None = None
    type: str | None = None
    org_id: int | None = None


def batch_page(
    session: Session, f: BatchFilter, *, limit: int, after: tuple[Any, Any] | None
) -> list[Job]:
    """The batches' own job rows matching ``f``, newest first: ``limit`` rows after
    ``after``, the (created_at, id) of the last row of the previous page.

    Driven by ``job_batches``: each batch's job row is read by its primary key in a
    LATERAL subquery that ``OFFSET 0`` keeps from being flattened, then sorted. Joined and
    ordered by ``jobs.created_at`` outright, PostgreSQL walks ``ix_jobs_created`` backwards
    and probes ``job_batches`` for every job: 530 ms at 500,000 jobs newer than the newest
    batch (or a parallel scan of every job, 130 ms). This costs one probe per batch."""
    conds = [Job.id == JobBatch.id]
    if f.status:
        conds.append(Job.status == f.status)
    if f.type:
        conds.append(Job.type == f.type)
    if f.org_id is not None:
        conds.append(Job.org_id == f.org_id)
    if after is not None:
        conds.append(tuple_(Job.created_at, Job.id) < after)
    one = select(Job.id, Job.created_at).where(*conds).offset(0).lateral("one")
    picked = (
        select(one.c.id, one.c.created_at)
        .select_from(JobBatch)
        .join(one, true())
        .order_by(one.c.created_at.desc(), one.c.id.desc())
        .limit(limit)
        .subquery("picked")
    )
    stmt = (
        select(Job)
        .join(picked, picked.c.id == Job.id)
        .order_by(picked.c.created_at.desc(), picked.c.id.desc())
    )
    return list(session.scalars(stmt))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _callback(session: Session, rows: dict[uuid.UUID, JobBatch]) -> dict[uuid.UUID, Any]:
    """Each batch's callback: its job and state (``waiting`` until the last member is
    final, then the staged job's status; ``gone`` once clean-up removed it)."""
    ids = {}
    for batch_id, row in rows.items():
        if row.callback and row.fired_at is not None:
            ids[batch_id] = uuid.UUID(row.callback["id"])
    status: dict[uuid.UUID, str] = {}
    if ids:
        found = session.execute(select(Job.id, Job.status).where(Job.id.in_(ids.values())))
        status = {job_id: str(s) for job_id, s in found}
    out: dict[uuid.UUID, Any] = {}
    for batch_id, row in rows.items():
        if not row.callback:
            out[batch_id] = None
            continue
        job_id = ids.get(batch_id)
        state = "waiting" if job_id is None else status.get(job_id, "gone")
        out[batch_id] = {
            "job_id": row.callback["id"],
            "type": row.callback.get("type"),
            "actor": row.callback.get("actor"),
            "state": state,
            "staged_at": _iso(row.fired_at),
        }
    return out


def views(session: Session, jobs: list[Job]) -> list[dict[str, Any]]:
    """The batches whose own rows are ``jobs``: who, state, members by status, callback."""
    found = batches.summaries(session, [j.id for j in jobs])
    rows = {j.id: session.get(JobBatch, j.id) for j in jobs if j.id in found}
    callbacks = _callback(session, {k: v for k, v in rows.items() if v is not None})
    out = []
    for job in jobs:
        summary = found.get(job.id)
        row = rows.get(job.id)
        if summary is None or row is None:
            continue
        out.append(
            {
                "id": str(job.id),
                "org_id": job.org_id,
                "type": job.type,
                "status": job.status,
                "parent_id": str(job.batch_id) if job.batch_id else None,
                **summary,
                "callback": callbacks.get(job.id),
                "created_at": _iso(job.created_at),
                "finished_at": _iso(job.finished_at),
                "updated_at": _iso(row.updated_at),
            }
        )
    return out


def of_job(session: Session, job: Job) -> dict[str, Any]:
    """For a job's detail: ``batch`` if it is a batch, ``parent_batch`` if it is a member."""
    wanted = [job] if batches.is_batch(job) else []
    parent = session.get(Job, job.batch_id) if job.batch_id else None
    if parent is not None:
        wanted.append(parent)
    found = {v["id"]: v for v in views(session, wanted)}
    return {
        "batch": found.get(str(job.id)),
        "parent_batch": found.get(str(job.batch_id)) if job.batch_id else None,
    }


@dataclass(frozen=True)
class ImportFilter:
    """Which imports to list; every field given must match.

    Parameters:
      active: only those not finished (``queued`` or ``running``).
      status, type, org_id: equality filters.
    """

    active: bool = False
    status: str | None = None
    type: str | None = None
    org_id: int | None = None


def import_query(f: ImportFilter) -> Select[Any]:
    """The imports matching ``f`` (the caller pages them newest first)."""
    stmt = select(Import)
    if f.active:
        stmt = stmt.where(Import.finished_at.is_(None))
    if f.status:
        stmt = stmt.where(Import.status == f.status)
    if f.type:
        stmt = stmt.where(Import.type == f.type)
    if f.org_id is not None:
        stmt = stmt.where(Import.org_id == f.org_id)
    return stmt


def import_views(session: Session, rows: list[Import]) -> list[dict[str, Any]]:
    """Each import's progress: rows read, committed (created, updated or unchanged) and
    rejected so far, its batch's members by status, when it started and last moved."""
    batch_ids = [r.job_id for r in rows if r.job_id]
    found = batches.summaries(session, batch_ids)
    # Started: when its split (the first member, which reads the file) began.
    started: dict[uuid.UUID, datetime] = {}
    if batch_ids:
        splits = session.execute(
            select(Job.batch_id, Job.started_at).where(
                Job.batch_id.in_(batch_ids), Job.type == SPLIT_TYPE
            )
        )
        started = {b: t for b, t in splits if b is not None and t is not None}
    out = []
    for row in rows:
        counts = imports.totals(session, row)
        summary = found.get(row.job_id) if row.job_id else None
        batch = session.get(JobBatch, row.job_id) if summary else None
        moved = [t for t in (row.created_at, batch and batch.updated_at, row.finished_at) if t]
        out.append(
            {
                "id": str(row.id),
                "org_id": row.org_id,
                "type": row.type,
                "status": row.status,
                "filename": row.filename,
                "dry_run": bool(row.options.get("dry_run")),
                "rows_read": row.rows_read,
                "committed": counts["created"] + counts["updated"] + counts["unchanged"],
                **counts,
                "progress": summary["progress"] if summary else None,
                "members": summary["members"] if summary else {},
                "job_id": str(row.job_id) if row.job_id else None,
                "error": row.error,
                "created_at": _iso(row.created_at),
                "started_at": _iso(started.get(row.job_id)) if row.job_id else None,
                "updated_at": _iso(max(moved)),
                "finished_at": _iso(row.finished_at),
            }
        )
    return out
