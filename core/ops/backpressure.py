"""Backpressure: refuse new jobs before the broker fills up, and one org before it floods.

A full ``noeviction`` broker refuses writes, including Dramatiq's fetch and ack scripts
(FACTS.md), so we shed load well before: above ``queue_max_depth`` ready messages or
``broker_max_memory_ratio`` of ``maxmemory`` new jobs get 503 and the relay holds staged
rows in PostgreSQL; an org with ``org_max_active_jobs`` queued or running jobs gets 429.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.queueing.brokers.depths import read_ready
from core.queueing.queues import NAMES
from core.settings import Settings
from models import ACTIVE_STATUSES, Job


@dataclass(frozen=True)
class Overload:
    """Why a job may not be accepted now.

    Parameters:
      status: 503 (the platform is over its limit) or 429 (this org is over its share).
      message: what is over which limit.
      retry_after: seconds a client should wait.
    """

    status: int
    message: str
    retry_after: int


def platform_overload(client: redis.Redis, settings: Settings) -> Overload | None:
    """An :class:`Overload` when the broker is too deep or too full, else None."""
    return platform_reading(client, settings)[0]


def platform_reading(client: redis.Redis, settings: Settings) -> tuple[Overload | None, bool]:
    """:func:`platform_overload`'s answer, and whether depth and memory were both at most
    half their limits (an answer core.ops.admission may reuse for a moment)."""
    pipe = client.pipeline(transaction=False)
    for q in NAMES:
        pipe.llen(f"{settings.broker.namespace}:{q}")
    pipe.info("memory")
    *depths, memory = pipe.execute()
    depth = sum(depths)
    if settings.broker.kind == "rabbitmq":  # counted by RabbitMQ, sampled by the relay
        depth = sum(read_ready(client).values())
    limit = settings.broker.queue_max_depth
    if depth >= limit:
        return Overload(503, f"queues hold {depth} ready jobs (limit {limit})", 30), False
    maxmemory = int(memory.get("maxmemory") or 0)
    used = memory["used_memory"] / maxmemory if maxmemory else 0.0
    if used >= settings.broker.max_memory_ratio:
        return Overload(503, f"the broker is {used:.0%} full", 30), False
    return None, depth <= limit / 2 and used <= settings.broker.max_memory_ratio / 2


def count_active(session: Session, org_id: int) -> int:
    """How many queued or running jobs ``org_id`` has."""
    active = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.org_id == org_id, Job.status.in_(ACTIVE_STATUSES))
    )
    return int(active or 0)


def org_overload_of(active: int, settings: Settings, jobs: int = 1) -> Overload | None:
    """The 429 for an org with ``active`` unfinished jobs, if ``jobs`` more would pass its cap."""
    cap = settings.broker.org_max_active_jobs
    if active + jobs > cap:
        more = "" if jobs == 1 else f"; {jobs} more would pass it"
        return Overload(
            429, f"this organization has {active} unfinished jobs (limit {cap}){more}", 10
        )
    return None
