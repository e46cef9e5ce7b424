"""Firing periodic jobs: once per (schedule, org, fire time), never over a running one."""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from dramatiq import Actor
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from core.logs import job_context
from core.queueing.outbox import stage
from models import ACTIVE_STATUSES, Job, JobStatus, Organization, ScheduleFire

log = logging.getLogger(__name__)


def fire_time(period_s: float, now: float | None = None) -> int:
    """The fire this moment belongs to: epoch-aligned, so every scheduler agrees on it."""
    now = time.time() if now is None else now
    return int(now // period_s * period_s)


def fire(
    session: Session,
    *,
    schedule_id: str,
    actor: Actor[Any, Any],
    per_org: bool,
    fired_at: int,
    trigger: str = "timer",
) -> int:
    """Stage the jobs of one fire in ``session`` and record the fire; return how many
    jobs were staged.

    A job whose previous run (same schedule and org) is still queued or running is
    skipped; the dedupe key makes a second fire of the same time stage nothing (and the
    fire is recorded once). ``fired_at`` is in epoch seconds; ``trigger`` is ``timer`` or
    ``manual`` (an operator's run).
    """
    active = set(
        session.scalars(
            select(Job.org_id).where(
                Job.schedule_id == schedule_id, Job.status.in_(ACTIVE_STATUSES)
            )
        )
    )
    targets: list[int | None] = (
        list(session.scalars(select(Organization.id).order_by(Organization.id)))
        if per_org
        else [None]
    )
    # A manual run has its own keys: it never collides with the timer's fire of that second.
    suffix = "" if trigger == "timer" else f":{trigger}"
    job_ids: list[uuid.UUID] = []
    skipped = 0
    for org_id in targets:
        if org_id in active:
            log.info(
                "skipping %s for org %s: its previous run is not finished", schedule_id, org_id
            )
            skipped += 1
            continue
        job_id = stage(
            session,
            actor,
            job_type=schedule_id,
            org_id=org_id,
            args=(org_id,) if per_org else (),
            dedupe_key=f"schedule:{schedule_id}:{org_id}:{fired_at}{suffix}",
            schedule_id=schedule_id,
        )
        if job_id is not None:
            job_ids.append(job_id)
            # The scheduler's line about this job carries the ids its worker lines will.
            with job_context(message_id=str(job_id), actor=actor.actor_name, org_id=org_id):
                log.info("staged %s (fire at %s)", schedule_id, fired_at)
    record_fire(
        session,
        schedule_id=schedule_id,
        fired_at=fired_at,
        trigger=trigger,
        job_ids=job_ids,
        skipped=skipped,
    )
    return len(job_ids)


FIRES_KEPT = 100


def record_fire(
    session: Session,
    *,
    schedule_id: str,
    fired_at: float,
    trigger: str,
    job_ids: list[uuid.UUID],
    skipped: int,
) -> None:
    """Record one fire (once per schedule, time and trigger) and keep the last
    :data:`FIRES_KEPT` of the schedule."""
    session.execute(
        pg_insert(ScheduleFire)
        .values(
            schedule_id=schedule_id,
            fired_at=datetime.fromtimestamp(fired_at, UTC),
            trigger=trigger,
            staged=len(job_ids),
            skipped=skipped,
            job_ids=job_ids,
        )
        .on_conflict_do_nothing(index_elements=["schedule_id", "fired_at", "trigger"])
    )
    keep = (
        select(ScheduleFire.id)
        .where(ScheduleFire.schedule_id == schedule_id)
        .order_by(ScheduleFire.fired_at.desc())
        .limit(FIRES_KEPT)
    )
    session.execute(
        delete(ScheduleFire).where(
            ScheduleFire.schedule_id == schedule_id, ScheduleFire.id.not_in(keep.scalar_subquery())
        )
    )


def last_fires(session: Session, schedule_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The newest ``limit`` fires of ``schedule_id`` with the outcome of the jobs they
    staged: ``skipped`` (nothing staged), ``running`` (some still queued or running),
    ``failed`` (some failed or dead), ``succeeded``, or ``gone`` (jobs cleaned up)."""
    fires = list(
        session.scalars(
            select(ScheduleFire)
            .where(ScheduleFire.schedule_id == schedule_id)
            .order_by(ScheduleFire.fired_at.desc(), ScheduleFire.id.desc())
            .limit(limit)
        )
    )
    ids = [i for f in fires for i in f.job_ids]
    status: dict[uuid.UUID, str] = {}
    if ids:
        rows = session.execute(select(Job.id, Job.status).where(Job.id.in_(ids)))
        status = {job_id: st for job_id, st in rows}
    out = []
    for f in fires:
        counts = Counter(status.get(i, "gone") for i in f.job_ids)
        out.append(
            {
                "fired_at": f.fired_at.isoformat(),
                "trigger": f.trigger,
                "staged": f.staged,
                "skipped": f.skipped,
                "jobs": dict(counts),
                "outcome": _outcome(counts, f.staged),
            }
        )
    return out


def _outcome(counts: Counter[str], staged: int) -> str:
    if not staged:
        return "skipped"
    if counts[JobStatus.QUEUED] or counts[JobStatus.RUNNING]:
        return "running"
    if counts[JobStatus.FAILED] or counts[JobStatus.DEAD]:
        return "failed"
    if counts[JobStatus.SUCCEEDED]:
        return "succeeded"
    return "canceled" if counts[JobStatus.CANCELED] else "gone"


PAUSED_SCHEDULES_KEY = "saleshub:schedules:paused"


def paused_schedules(client: Any) -> set[str]:
    """Ids of the schedules an operator paused (kept in the broker Redis)."""
    return {s.decode() for s in client.smembers(PAUSED_SCHEDULES_KEY)}


def schedule_status(session: Session, schedule_id: str) -> dict[str, Any]:
    """The last run of ``schedule_id``: when its newest job was staged and its status."""
    row = session.execute(
        select(Job.created_at, Job.status)
        .where(Job.schedule_id == schedule_id)
        .order_by(Job.created_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return {"last_run": None, "last_status": None}
    return {"last_run": row.created_at.isoformat(), "last_status": row.status}
