"""The jobs explorer end to end: a real worker's attempts, with their worker and traceback,
and a retry from the explorer that runs the job again through the relay."""

from __future__ import annotations

import uuid

import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.heartbeat import WORKERS_KEY
from core.queueing.outbox import stage
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.actors import blocker, flaky
from tests.support.client import JsonClient
from tests.support.factories import Tenant, stage_id
from tests.support.replies import text
from tests.support.stack import RelayThread, WorkerProcess, wait_for


def _status(sessions: sessionmaker[Session], job_id: uuid.UUID) -> str:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job.status


def test_attempts_carry_worker_and_full_traceback_and_retry_runs_again(
    client: JsonClient,
    tenant: Tenant,
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    with session_scope(sessions) as s:
        job_id = stage(s, flaky, job_type="test.flaky", org_id=None, args=("e2e", 3))
    assert job_id is not None
    with RelayThread(settings, broker):
        wait_for(lambda: _status(sessions, job_id) == "failed", timeout=30)
        body = client.get(f"/api/v1/ops/jobs/{job_id}", headers=auth(tenant.operator)).json
        timeline = body["attempts_timeline"]
        assert [a["outcome"] for a in timeline] == ["failed"] * 3
        workers = {text(k) for k in broker.client.hkeys(WORKERS_KEY)}
        assert {a["worker"] for a in timeline} <= workers
        last = timeline[-1]["traceback"]
        assert last.startswith("Traceback (most recent call last)")
        assert "in flaky" in last and last.endswith("RuntimeError: flaky failure 3")
        assert body["error"] == "RuntimeError: flaky failure 3"  # the owner's one line
        # Run it again from the explorer: it goes through the outbox and now succeeds.
        resp = client.post(f"/api/v1/ops/jobs/{job_id}/retry", headers=auth(tenant.operator))
        assert resp.status_code == 200, resp.json
        wait_for(lambda: _status(sessions, job_id) == "succeeded", timeout=30)
    body = client.get(f"/api/v1/ops/jobs/{job_id}", headers=auth(tenant.operator)).json
    assert [a["outcome"] for a in body["attempts_timeline"]] == ["failed"] * 3 + ["succeeded"]
    assert body["result"] == 4


def test_a_worker_lists_the_job_it_runs_now(
    client: JsonClient,
    tenant: Tenant,
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    cache = redis.Redis.from_url(settings.cache.url)
    with session_scope(sessions) as s:
        job_id = stage_id(s, blocker, job_type="test.blocker", org_id=tenant.org_id, args=("busy",))
    h = auth(tenant.operator)

    def running() -> list[dict[str, object]]:
        items = client.get("/api/v1/ops/workers", headers=h).json["items"]
        return [r for w in items for r in w["running"]]

    with RelayThread(settings, broker):
        wait_for(lambda: cache.get("busy:started") == b"1", timeout=30)
        (run,) = wait_for(running, timeout=10)
        assert (run["job_id"], run["actor"], run["org_id"]) == (
            str(job_id),
            "test.blocker",
            tenant.org_id,
        )
        cache.set("busy:release", 1)
        wait_for(lambda: _status(sessions, job_id) == "succeeded", timeout=30)
    assert running() == []
