"""The promises, end to end: real PostgreSQL, real Redis broker, relay and worker processes."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path
from typing import Any

import redis
from dramatiq import Actor
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.broker import configure
from core.queueing.outbox import stage
from core.settings import Settings
from models import AnalyticsSnapshot, Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.actors import blocker, crasher, effect, flaky
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import BOOT_S, RedisServer, RelayThread, WorkerProcess, wait_for


def _job(sessions: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _stage(sessions: sessionmaker[Session], actor: Actor[Any, Any], *args: object) -> uuid.UUID:
    with session_scope(sessions) as s:
        job_id = stage(s, actor, job_type=actor.actor_name, org_id=None, args=args)
    assert job_id is not None
    return job_id


def _queues(broker: RedisBroker) -> dict[str, int]:
    """Each default-queue key's length, and the worker heartbeats (for a failure's report)."""
    c, ns = broker.client, broker.namespace
    return {
        "default": c.llen(f"{ns}:default"),
        "default.msgs": c.hlen(f"{ns}:default.msgs"),
        "default.XQ": c.zcard(f"{ns}:default.XQ"),
        "heartbeats": c.zcard(f"{ns}:__heartbeats__"),
    }


def _status(sessions: sessionmaker[Session], job_id: uuid.UUID, status: str) -> bool:
    return _job(sessions, job_id).status == status


def test_api_job_runs_after_commit(
    client: JsonClient,
    tenant: Tenant,
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    resp = client.post(
        "/api/v1/jobs", json={"type": "analytics.rollup"}, headers=auth(tenant.member)
    )
    assert resp.status_code == 202
    job_id = uuid.UUID(resp.json["id"])
    with RelayThread(settings, broker):
        wait_for(lambda: _status(sessions, job_id, "succeeded"), timeout=30)
    job = _job(sessions, job_id)
    assert job.attempts == 1 and job.progress == 100
    assert job.result == {"org_id": tenant.org_id, "deals": 0, "win_rate": None}
    with sessions() as s:
        assert s.get(AnalyticsSnapshot, tenant.org_id) is not None
    got = client.get(f"/api/v1/jobs/{job_id}", headers=auth(tenant.member)).json
    assert got["status"] == "succeeded" and got["started_at"] and got["finished_at"]


def test_a_bulk_start_runs_every_job_after_commit(
    client: JsonClient,
    tenant: Tenant,
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    invalidate = {"type": "cache.invalidate", "params": {"tags": ["contacts"]}}
    body = {"jobs": [invalidate, {"type": "analytics.rollup"}, invalidate]}
    resp = client.post("/api/v1/jobs/bulk", json=body, headers=auth(tenant.admin))
    assert resp.status_code == 202
    ids = [uuid.UUID(j["id"]) for j in resp.json["jobs"]]
    with RelayThread(settings, broker):
        wait_for(lambda: all(_status(sessions, i, "succeeded") for i in ids), timeout=30)
    jobs = [_job(sessions, i) for i in ids]
    assert all(j.attempts == 1 and j.org_id == tenant.org_id for j in jobs)
    assert jobs[1].result == {"org_id": tenant.org_id, "deals": 0, "win_rate": None}


def test_rolled_back_job_never_reaches_the_broker(
    broker: RedisBroker, sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions() as s:
        stage(s, effect, job_type="t", org_id=None, args=("rb",))
        s.rollback()
    with RelayThread(settings, broker) as relay:
        wait_for(lambda: relay._last_maintenance > 0)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0
    assert broker.client.hlen(f"{broker.namespace}:default.msgs") == 0


def test_committed_job_survives_relay_and_redis_outage(
    settings: Settings, engine: object, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    server = RedisServer(tmp_path)
    server.start()
    local = settings.replace(broker={"url": server.url})
    broker = configure(local)
    assert isinstance(broker, RedisBroker)
    job_id = _stage(sessions, effect, "outage")  # committed; the relay is not running
    server.stop()  # and the broker is down
    worker = WorkerProcess(local, tmp_path / "worker.log")
    try:
        with RelayThread(local, broker):
            # The relay retries while Redis is down; the job stays staged.
            wait_for(lambda: _job(sessions, job_id).dispatched_at is None, timeout=2)
            server.start()
            wait_for(lambda: _job(sessions, job_id).dispatched_at is not None, timeout=20)
        worker.start()
        wait_for(lambda: _status(sessions, job_id, "succeeded"), timeout=30)
    finally:
        worker.stop()
        server.stop()
    cache = redis.Redis.from_url(settings.cache.url)
    assert cache.get("outage:effect") == b"1"
    assert _job(sessions, job_id).attempts == 1


def test_worker_killed_mid_job_runs_it_again_with_one_effect(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    cache = redis.Redis.from_url(settings.cache.url)
    job_id = _stage(sessions, blocker, "kill")
    with RelayThread(settings, broker):
        wait_for(lambda: cache.get("kill:started") == b"1", timeout=BOOT_S)
        for pid in worker_proc.dramatiq_children():
            os.kill(pid, signal.SIGKILL)
        # The supervisor restarts the worker; the dead worker's message comes back.
        wait_for(lambda: cache.get("kill:started") == b"2", timeout=BOOT_S)
        cache.set("kill:release", 1)
        wait_for(lambda: _status(sessions, job_id, "succeeded"), timeout=30)
    assert cache.get("kill:effect") == b"1"
    assert _job(sessions, job_id).attempts == 2


def test_message_that_keeps_killing_its_worker_is_dead(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    cache = redis.Redis.from_url(settings.cache.url)
    job_id = _stage(sessions, crasher, "poison")
    with RelayThread(settings, broker):
        try:
            # The first start and one restart per crash: max_attempts + 1 cold starts.
            boots = settings.worker.max_attempts + 1
            wait_for(lambda: _status(sessions, job_id, "dead"), timeout=boots * BOOT_S)
        finally:  # shown only if the test fails
            job = _job(sessions, job_id)
            print(f"job: {job.status}, {job.attempts} attempts, error {job.error!r}")
            print(f"starts: {cache.get('poison:started')!r}; queues: {_queues(broker)}")
    assert int(cache.get("poison:started") or 0) == settings.worker.max_attempts
    assert "crashes" in (job.error or "")
    # It sits in the dead-letter queue, where an operator can find it.
    assert broker.client.zcard(f"{broker.namespace}:default.XQ") == 1


def test_retries_then_success_and_exhausted_retries_fail(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    ok = _stage(sessions, flaky, "once", 1)
    bad = _stage(sessions, flaky, "always", 99)
    with RelayThread(settings, broker):
        wait_for(lambda: _status(sessions, ok, "succeeded"), timeout=30)
        wait_for(lambda: _status(sessions, bad, "failed"), timeout=30)
    assert _job(sessions, ok).attempts == 2 and _job(sessions, ok).result == 2
    failed = _job(sessions, bad)
    assert failed.attempts == 3  # max_retries=2
    assert "flaky failure 3" in (failed.error or "")
    assert failed.finished_at is not None
