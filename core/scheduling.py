"""Firing periodic jobs: once per (schedule, org, fire time), never over a running one."""

from __future__ import annotations

import logging
import time
from typing import Any

from dramatiq import Actor
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.logs import job_context
from core.queueing.outbox import stage
from models import ACTIVE_STATUSES, Job, Organization

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
) -> int:
    """Stage the jobs of one fire in ``session``; return how many were staged.

    A job whose previous run (same schedule and org) is still queued or running is
    skipped; the dedupe key makes a second fire of the same time stage nothing.
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
    staged = 0
    for org_id in targets:
        if org_id in active:
            log.info(
                "skipping %s for org %s: its previous run is not finished", schedule_id, org_id
            )
            continue
        job_id = stage(
            session,
            actor,
            job_type=schedule_id,
            org_id=org_id,
            args=(org_id,) if per_org else (),
            dedupe_key=f"schedule:{schedule_id}:{org_id}:{fired_at}",
            schedule_id=schedule_id,
        )
        if job_id is not None:
            staged += 1
            # The scheduler's line about this job carries the ids its worker lines will.
            with job_context(message_id=str(job_id), actor=actor.actor_name, org_id=org_id):
                log.info("staged %s (fire at %s)", schedule_id, fired_at)
    return staged


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
