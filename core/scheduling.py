"""Firing periodic jobs: once per (schedule, org, fire time), never over a running one."""

from __future__ import annotations

import logging
import time
from typing import Any

from dramatiq import Actor
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.outbox import stage
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
        staged += job_id is not None
    return staged
