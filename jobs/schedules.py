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
    Schedule(id="maintenance.cleanup", job_type="maintenance.cleanup", every_s=3600, per_org=False),
)
