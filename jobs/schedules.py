"""The one list of periodic jobs; the scheduler rebuilds its schedule from it at start."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    """A periodic job.

    Parameters:
      id: stable name, also the deduplication prefix of each fire.
      job_type: a key of ``jobs.registry.JOB_TYPES`` (``per_org``) or an actor name.
      every_s: period in seconds; fires are aligned to the epoch, so every scheduler
        computes the same fire times.
      per_org: stage one job per organization (else one platform job).
    """

    id: str
    job_type: str
    every_s: int
    per_org: bool = True


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(id="analytics.rollup", job_type="analytics.rollup", every_s=300),
    Schedule(id="cache.warm", job_type="cache.warm", every_s=300),
    Schedule(id="search.analytics", job_type="search.analytics", every_s=60, per_org=False),
    Schedule(id="search.health", job_type="search.health", every_s=86_400),
    Schedule(id="maintenance.cleanup", job_type="maintenance.cleanup", every_s=3600, per_org=False),
    Schedule(id="notifications.due", job_type="notifications.due", every_s=30, per_org=False),
    Schedule(
        id="notifications.digest", job_type="notifications.digest", every_s=300, per_org=False
    ),
    Schedule(
        id="notifications.tasks_due", job_type="notifications.tasks_due", every_s=60, per_org=False
    ),
    # Webhook retries (the shortest delay is 5 s); each fire is a ledger row, so not faster.
    Schedule(
        id="notifications.webhooks_due",
        job_type="notifications.webhooks_due",
        every_s=10,
        per_org=False,
    ),
)
