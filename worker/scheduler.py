"""``python -m worker.scheduler``: periodic jobs and canaries (while holding the lease), the relay.

Run two for high availability: only the lease holder fires, and each fire is deduplicated
in PostgreSQL, so a lease handover cannot fire a period twice. Every instance relays.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from core.lease import Lease
from core.ops import charts
from core.ops.brokerops import broker_ops
from core.ops.canary import stage_canaries
from core.queueing.broker import configure
from core.queueing.relay import Relay
from core.scheduling import fire, fire_time, paused_schedules
from core.settings import Settings
from jobs.maintenance import CANARIES
from jobs.schedules import SCHEDULES, Schedule
from models.db import make_engine, make_sessionmaker, session_scope
from worker.logs import setup_logging

log = logging.getLogger(__name__)
LEASE_KEY = "saleshub:scheduler:lease"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def build(settings: Settings) -> tuple[BackgroundScheduler, Lease, Relay]:
    """The scheduler (schedules rebuilt from ``SCHEDULES``), its lease, and a relay."""
    broker = configure(settings)
    client = broker.client  # type: ignore[attr-defined]  # the broker Redis, with either broker
    sessions = make_sessionmaker(
        make_engine(
            settings.database.url,
            pool_size=2,
            connect_timeout_s=settings.database.connect_timeout_s,
        )
    )
    ops = broker_ops(settings, client, sessions)
    lease = Lease(client, LEASE_KEY, settings.worker.scheduler_lease_ttl_ms)
    scheduler = BackgroundScheduler(timezone=UTC)

    def run(schedule: Schedule, period: float) -> None:
        if not lease.held or schedule.id in paused_schedules(client):
            return
        with session_scope(sessions) as session:
            n = fire(
                session,
                schedule_id=schedule.id,
                actor=schedule.actor,
                per_org=schedule.per_org,
                fired_at=fire_time(period),
            )
        log.info("fired %s: %d jobs staged", schedule.id, n)

    def sample() -> None:
        # Queue depth history for the console's charts (Dramatiq keeps none).
        if lease.held:
            charts.sample_depth(client, ops.queue_stats())

    scheduler.add_job(sample, IntervalTrigger(seconds=60, start_date=EPOCH), id="ops.depth")
    for schedule in SCHEDULES:
        period = schedule.every_s * settings.worker.schedule_time_scale
        scheduler.add_job(
            run,
            IntervalTrigger(seconds=period, start_date=EPOCH),
            args=(schedule, period),
            id=schedule.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(period)),
        )
    interval = settings.worker.canary_interval_s
    if interval > 0:

        def send_canaries() -> None:
            if not lease.held:
                return
            with session_scope(sessions) as session:
                stage_canaries(session, CANARIES, fired_at=fire_time(interval))

        scheduler.add_job(
            send_canaries,
            IntervalTrigger(seconds=interval, start_date=EPOCH),
            id="canaries",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(interval)),
        )
    return scheduler, lease, Relay(settings, broker)


def main() -> int:
    """Run until SIGTERM or SIGINT."""
    settings = Settings.from_env()
    setup_logging(settings)
    scheduler, lease, relay = build(settings)
    done = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()
        relay.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threads = [
        threading.Thread(target=lease.run_supervised, name="lease", daemon=True),
        threading.Thread(target=relay.run_supervised, name="relay", daemon=True),
    ]
    for t in threads:
        t.start()
    scheduler.start()
    log.info("scheduler started with %d schedules", len(SCHEDULES))
    done.wait()
    scheduler.shutdown(wait=False)
    lease.stop()
    threads[1].join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
