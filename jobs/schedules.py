"""The one list of periodic jobs; the scheduler rebuilds its schedule from it at start."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dramatiq import Actor

from jobs import analytics, cache, maintenance, notifications, notify_channels, search


@dataclass(frozen=True)
class Schedule:
    """A periodic job.

    Parameters:
      id: stable name, also the deduplication prefix of each fire and the job type of
        the jobs it stages.
      actor: the actor each fire stages (with the org id as its argument when ``per_org``).
      every_s: period in seconds; fires are aligned to the epoch, so every scheduler
        computes the same fire times.
      per_org: stage one job per organization (else one platform job).
    """

    id: str
    actor: Actor[Any, Any]
    every_s: int
    per_org: bool = True


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(id="analytics.rollup", actor=analytics.rollup, every_s=300),
    Schedule(id="cache.warm", actor=cache.warm, every_s=300),
    Schedule(id="search.analytics", actor=search.analytics, every_s=60, per_org=False),
    Schedule(id="search.health", actor=search.health, every_s=86_400),
    Schedule(id="maintenance.cleanup", actor=maintenance.cleanup, every_s=3600, per_org=False),
    Schedule(id="notifications.due", actor=notifications.send_due, every_s=30, per_org=False),
    Schedule(
        id="notifications.digest", actor=notifications.send_digests, every_s=300, per_org=False
    ),
    Schedule(
        id="notifications.tasks_due", actor=notifications.tasks_due, every_s=60, per_org=False
    ),
    # Webhook retries (the shortest delay is 5 s); each fire is a ledger row, so not faster.
    Schedule(
        id="notifications.webhooks_due",
        actor=notify_channels.webhooks_due,
        every_s=10,
        per_org=False,
    ),
)


def find(schedule_id: str) -> Schedule | None:
    """The schedule ``schedule_id``, if there is one."""
    return next((s for s in SCHEDULES if s.id == schedule_id), None)
