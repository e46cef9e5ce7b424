"""Canary jobs: a no-op sent through the whole job path to every queue, timed.

The scheduler stages one canary per queue every ``CANARY_INTERVAL_S`` (through the outbox,
like any job, so it crosses the relay, the broker and a worker); the canary records when it
was staged, when it started and how long its run took (one PostgreSQL and one Redis round
trip) in a broker Redis hash. ``/metrics`` turns them into gauges and
``GET /api/v1/ops/canaries`` lists them; a canary that stops arriving shows as a growing
age, which ``deploy/prometheus/alerts-reliability.yml`` alerts on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import redis
from dramatiq import Actor
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.queueing.outbox import stage
from models.job import ACTIVE_STATUSES, Job

# Queue name -> JSON of its last canary: sent_at, started_at, commit_to_start_s, run_s.
KEY = "saleshub:canary"
JOB_TYPE = "canary"


def schedule_id(queue: str) -> str:
    """The ``schedule_id`` of a queue's canary jobs."""
    return f"canary.{queue}"


def stage_canaries(session: Session, actors: Mapping[str, Actor[Any, Any]], fired_at: int) -> int:
    """Stage one canary per queue in ``session``; a queue whose last one has not run is skipped.

    So a stuck queue holds one canary, not one per interval; its age keeps growing.
    """
    ids = [schedule_id(q) for q in actors]
    active = set(
        session.scalars(
            select(Job.schedule_id).where(Job.schedule_id.in_(ids), Job.status.in_(ACTIVE_STATUSES))
        )
    )
    staged = 0
    for queue, actor in actors.items():
        if schedule_id(queue) in active:
            continue
        job_id = stage(
            session,
            actor,
            job_type=JOB_TYPE,
            org_id=None,
            args=(time.time(),),
            dedupe_key=f"canary:{queue}:{fired_at}",
            schedule_id=schedule_id(queue),
        )
        staged += job_id is not None
    return staged


def record(
    client: redis.Redis, queue: str, *, sent_at: float, started_at: float, run_s: float
) -> dict[str, float]:
    """Store the figures of the canary that just ran on ``queue``."""
    value = {
        "sent_at": sent_at,
        "started_at": started_at,
        "commit_to_start_s": max(0.0, started_at - sent_at),
        "run_s": run_s,
    }
    client.hset(KEY, queue, json.dumps(value))
    return value


def latest(client: redis.Redis, *, now: float | None = None) -> list[dict[str, Any]]:
    """Each queue's last canary, with ``age_s`` (seconds since it started), by queue name."""
    now = time.time() if now is None else now
    raw: dict[bytes, bytes] = client.hgetall(KEY)  # type: ignore[assignment]
    out = []
    for queue, value in sorted(raw.items()):
        figures = json.loads(value)
        figures["age_s"] = round(max(0.0, now - float(figures["started_at"])), 3)
        out.append({"queue": queue.decode(), **figures})
    return out
