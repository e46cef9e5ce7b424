"""What the ``dramatiq`` CLI loads: every job module, and ``setup`` to configure the broker.

Run as ``dramatiq worker.entry:setup``; the CLI calls ``setup`` in each worker process.
"""

from __future__ import annotations

import atexit
import os

import jobs.analytics
import jobs.bulk
import jobs.cache
import jobs.live
import jobs.maintenance
import jobs.notifications
import jobs.notify_channels
import jobs.search
from core.queueing.broker import configure
from core.settings import Settings
from jobs import runtime
from worker.logs import setup_logging

JOB_MODULES = (
    jobs.analytics,
    jobs.bulk,
    jobs.cache,
    jobs.live,
    jobs.maintenance,
    jobs.notifications,
    jobs.notify_channels,
    jobs.search,
)


def _mark_dead_at_exit() -> None:
    # Each Dramatiq worker process writes its own Prometheus multiprocess files (folder set
    # by worker.supervise); its live gauges must go when it does.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        pid = os.getpid()
        atexit.register(multiprocess.mark_process_dead, pid)


def setup() -> None:
    """Configure this worker process from the environment."""
    settings = Settings.from_env()
    _mark_dead_at_exit()
    setup_logging(settings)
    configure(settings)
    # Commits made by jobs (the rollup) invalidate the cached answers they change.
    runtime.init(settings, jobs.cache.tracked_sessions(settings))
