"""Parked messages (core.queueing.fairness) end to end: real PostgreSQL, Redis broker, relay
and a supervised worker process that is killed while it holds an org's only slot."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import psycopg
import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.outbox import stage
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.support.actors import blocker
from tests.support.factories import Tenant
from tests.support.stack import RelayThread, WorkerProcess, wait_for


def _jobs(sessions: sessionmaker[Session], ids: list[uuid.UUID]) -> list[Job]:
    with sessions() as s:
        return [j for j in (s.get(Job, i) for i in ids) if j is not None]


def test_parked_jobs_survive_the_death_of_the_worker_holding_the_slot_and_all_run_once(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    settings: Settings,
    tenant: Tenant,
    tmp_path: Path,
) -> None:
    cache = redis.Redis.from_url(settings.cache.url)
    parked_key = f"{broker.namespace}:fair:parked:worker:{tenant.org_id}"
    worker_proc = WorkerProcess(settings, tmp_path / "worker.log", ORG_MAX_IN_FLIGHT="1")
    worker_proc.start()
    try:
        with session_scope(sessions) as s:
            ids = [
                stage(s, blocker, job_type="test.blocker", org_id=tenant.org_id, args=("park",))
                for _ in range(3)
            ]
        job_ids = [i for i in ids if i is not None]
        with RelayThread(settings, broker) as relay:
            wait_for(lambda: cache.get("park:started") == b"1", timeout=30)
            wait_for(lambda: broker.client.llen(parked_key) == 2, timeout=30)
            parked = [j for j in _jobs(sessions, job_ids) if j.status == "queued"]
            assert len(parked) == 2
            # Parked, their bodies stay where Dramatiq and the relay look for them: the
            # relay's lost-message check, once they are old enough to be suspects, finds
            # them held and re-sends nothing.
            for job in parked:
                assert broker.client.hexists(f"{broker.namespace}:default.msgs", job.redis_id or "")
            dsn = settings.database.url.replace("postgresql+psycopg://", "postgresql://", 1)
            with psycopg.connect(dsn, autocommit=True) as conn:
                wait_for(
                    lambda: (
                        conn.execute(
                            "SELECT count(*) FROM jobs WHERE id = ANY(%s)"
                            " AND updated_at < now() - make_interval(secs => %s)",
                            ([j.id for j in parked], settings.broker.resend_after_s + 0.5),
                        ).fetchone()
                        == (2,)
                    ),
                    timeout=30,
                )
                assert relay.resend_lost(conn) == 0
            # The worker holding the org's only slot dies mid-job.
            for pid in worker_proc.dramatiq_children():
                os.kill(pid, signal.SIGKILL)
            # Maintenance gives its message back; it runs again in the slot it still holds.
            wait_for(lambda: cache.get("park:started") == b"2", timeout=60)
            assert broker.client.llen(parked_key) == 2
            cache.set("park:release", 1)
            wait_for(
                lambda: all(j.status == "succeeded" for j in _jobs(sessions, job_ids)),
                timeout=60,
            )
        jobs = {j.id: j for j in _jobs(sessions, job_ids)}
        assert cache.get("park:effect") == b"3"  # each job once
        assert cache.get("park:started") == b"4"  # the killed one twice
        assert sorted(j.attempts for j in jobs.values()) == [1, 1, 2]
        for job in parked:  # never re-sent: the same Redis message ran
            assert jobs[job.id].redis_id == job.redis_id
        assert broker.client.llen(parked_key) == 0
        assert broker.client.hlen(f"{broker.namespace}:default.msgs") == 0
    finally:
        worker_proc.stop()
        cache.close()
