"""Pause/resume and dead-letter retry with the real relay and worker."""

from __future__ import annotations

import time
import uuid

from dramatiq.brokers.redis import RedisBroker
from sqlalchemy.orm import Session, sessionmaker

from core.queueing import pause
from core.queueing.outbox import stage
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.actors import effect, flaky
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import RelayThread, WorkerProcess, wait_for


def _status(sessions: sessionmaker[Session], job_id: uuid.UUID) -> str:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job.status


def test_paused_queue_takes_nothing_and_loses_nothing(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    pause.pause(broker.client, "default")
    with session_scope(sessions) as s:
        ids = [stage(s, effect, job_type="t", org_id=None, args=(f"p{i}",)) for i in range(3)]
    with RelayThread(settings, broker):
        wait_for(lambda: broker.client.llen(f"{broker.namespace}:default") == 3, timeout=20)
        time.sleep(2.5)  # the worker polls the pause flag every second: give it time to misbehave
        assert {_status(sessions, i) for i in ids if i} == {"queued"}
        assert broker.client.llen(f"{broker.namespace}:default") == 3
        pause.resume(broker.client, "default")
        wait_for(lambda: {_status(sessions, i) for i in ids if i} == {"succeeded"}, timeout=30)


def test_dead_letter_retry_runs_the_job_again(
    client: JsonClient,
    tenant: Tenant,
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    with session_scope(sessions) as s:
        job_id = stage(s, flaky, job_type="t", org_id=None, args=("dl", 3))
    assert job_id is not None
    with RelayThread(settings, broker):
        wait_for(lambda: _status(sessions, job_id) == "failed", timeout=30)
        h = auth(tenant.operator)
        wait_for(lambda: client.get("/api/v1/ops/dead-letters", headers=h).json["total"] == 1)
        resp = client.post(f"/api/v1/ops/dead-letters/{job_id}/retry", headers=h)
        assert resp.json == {"retried": 1}
        wait_for(lambda: _status(sessions, job_id) == "succeeded", timeout=30)
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.result == 4 and job.attempts == 4
    assert client.get("/api/v1/ops/dead-letters", headers=auth(tenant.operator)).json["total"] == 0
