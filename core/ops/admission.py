"""Admission of new jobs in one web process: the backpressure checks, with a clear answer reused.

Every ``POST /jobs`` used to ask the broker for its depth and memory (a pipelined round trip
and an ``INFO`` parse) and PostgreSQL for the org's unfinished jobs (a ``count(*)`` whose
cost grows with the org's backlog), although almost every answer is "far under the limits".
:class:`Admission` reuses such an answer for up to :data:`REUSE_S`:

- the broker's, only when its depth and memory were both at most half their limits;
- an org's, only while its count at the check plus the jobs this process admitted for it
  since stays at most half of ``org_max_active_jobs``. Closer to a limit every request
  asks again, so an org at its cap gets its 429 exactly as before, as far as this process
  can see.

What a reused answer can miss: the jobs other web processes admit within the second. The
org's job rate limit (``RATE_LIMIT_ORG_JOBS``, 300 a minute by default) bounds them far
below the half of the cap left, and jobs over the broker's limits wait in the outbox,
which the relay holds back until the queues drain (docs/decisions/0047). Written by hand:
a TTL cache library (cachetools) would still need the "far under" rule and the admitted
count, which are all there is here.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import redis
from sqlalchemy.orm import Session

from core.ops.backpressure import Overload, count_active, org_overload_of, platform_reading
from core.settings import Settings

#: How long an answer far under the limits stands in for a fresh check, in seconds.
REUSE_S = 1.0
#: Orgs remembered before stale entries are dropped.
MAX_ORGS = 4096


class Admission:
    """The backpressure checks of one web process (thread-safe).

    Parameters:
      settings: the limits (``broker.queue_max_depth``, ``broker.max_memory_ratio``,
        ``broker.org_max_active_jobs``).
      clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._platform_clear_at = -math.inf
        #: org id -> (when its count was read, that count + the jobs admitted here since)
        self._orgs: dict[int, tuple[float, int]] = {}

    def check(
        self, client: redis.Redis, session: Session, org_id: int, *, jobs: int = 1,
        fresh: bool = False,
    ) -> Overload | None:  # fmt: skip
        """Why ``jobs`` new jobs of ``org_id`` may not be accepted now, or None (then they
        are counted as admitted). The broker down counts as clear: the jobs wait in the
        outbox. ``fresh`` asks both again and forgets what was kept of the org (an import,
        which stages an unknown number of jobs later)."""
        overload = self._platform(client, fresh)
        return overload or self._org(session, org_id, jobs, fresh)

    def _platform(self, client: redis.Redis, fresh: bool) -> Overload | None:
        now = self._clock()
        if not fresh and now - self._platform_clear_at < REUSE_S:
            return None
        try:
            overload, far_under = platform_reading(client, self._settings)
        except redis.RedisError:
            return None
        self._platform_clear_at = now if far_under else -math.inf
        return overload

    def _org(self, session: Session, org_id: int, jobs: int, fresh: bool) -> Overload | None:
        cap = self._settings.broker.org_max_active_jobs
        now = self._clock()
        with self._lock:
            seen = self._orgs.pop(org_id, None)
            if fresh:
                seen = None
            elif seen is not None and now - seen[0] < REUSE_S and seen[1] + jobs <= cap // 2:
                self._orgs[org_id] = (seen[0], seen[1] + jobs)
                return None
        active = count_active(session, org_id)
        overload = org_overload_of(active, self._settings, jobs)
        if overload is None and not fresh:
            with self._lock:
                if len(self._orgs) >= MAX_ORGS:
                    self._forget_stale(now)
                self._orgs[org_id] = (now, active + jobs)
        return overload

    def _forget_stale(self, now: float) -> None:
        for org_id, (at, _) in list(self._orgs.items()):
            if now - at >= REUSE_S:
                del self._orgs[org_id]
        if len(self._orgs) >= MAX_ORGS:  # all fresh: start over rather than grow
            self._orgs.clear()
