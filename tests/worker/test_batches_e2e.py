"""Batches end to end: real broker, relay and worker; a worker killed in the middle."""

from __future__ import annotations

import os
import signal
import uuid

import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.queueing import batches
from core.settings import Settings
from models import Job, JobBatch
from models.db import session_scope
from tests.conftest import auth
from tests.support.actors import batch_done, member, spawner
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import BOOT_S, RelayThread, WorkerProcess, wait_for


def _batch(sessions: sessionmaker[Session], batch_id: uuid.UUID) -> JobBatch:
    with sessions() as s:
        row = s.get(JobBatch, batch_id)
        assert row is not None
        return row


def test_callback_runs_once_with_right_counts_across_a_worker_kill(
    client: JsonClient,
    tenant: Tenant,
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    cache = redis.Redis.from_url(settings.cache.url)
    modes = ["ok"] * 6 + ["fail"] * 2 + ["block"]
    with session_scope(sessions) as s:
        batch_id = batches.open_batch(
            s, org_id=tenant.org_id, callback=batch_done, callback_args=("b1",)
        )
        for i, mode in enumerate(modes):
            key = "b1:blk" if mode == "block" else f"b1:{i}"
            batches.add(s, batch_id, member, job_type="test.member", org_id=tenant.org_id,
                        args=(key, mode))  # fmt: skip
        # A member that adds three more members to its own batch while it runs.
        batches.add(s, batch_id, spawner, job_type="test.spawner", org_id=tenant.org_id,
                    args=(str(batch_id), "b1:sp", 3))  # fmt: skip
        batches.seal(s, batch_id)
    with RelayThread(settings, broker):
        wait_for(lambda: cache.get("b1:blk:started") == b"1", timeout=30)
        wait_for(lambda: _batch(sessions, batch_id).pending == 1, timeout=30)
        for pid in worker_proc.dramatiq_children():
            os.kill(pid, signal.SIGKILL)
        # The supervisor restarts the worker; the killed member's message comes back.
        wait_for(lambda: cache.get("b1:blk:started") == b"2", timeout=BOOT_S)
        assert cache.get("b1:callback") is None
        got = client.get(f"/api/v1/jobs/{batch_id}", headers=auth(tenant.member)).json
        assert got["status"] == "running" and got["batch"]["pending"] == 1
        assert got["batch"]["members"]["running"] == 1
        cache.set("b1:blk:release", 1)
        wait_for(lambda: cache.get("b1:callback") == b"1", timeout=30)
        callback_id = _batch(sessions, batch_id).callback["id"]  # type: ignore[index]
        wait_for(lambda: _status(sessions, uuid.UUID(callback_id)) == "succeeded", timeout=30)
    row = _batch(sessions, batch_id)
    assert (row.total, row.pending, row.succeeded, row.failed, row.canceled) == (13, 0, 11, 2, 0)
    assert cache.get("b1:callback") == b"1"
    with sessions() as s:
        callbacks = s.scalar(select(func.count()).where(Job.actor == "test.batch_done"))
    assert callbacks == 1
    got = client.get(f"/api/v1/jobs/{batch_id}", headers=auth(tenant.member)).json
    assert got["status"] == "failed" and got["progress"] == 100
    assert got["batch"]["members"] == {"succeeded": 11, "failed": 2}


def _status(sessions: sessionmaker[Session], job_id: uuid.UUID) -> str:
    with sessions() as s:
        job = s.get(Job, job_id)
        return job.status if job is not None else ""


def test_cancel_through_the_api_cancels_queued_members(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    with session_scope(sessions) as s:
        batch_id = batches.open_batch(s, org_id=tenant.org_id, callback=batch_done,
                                      callback_args=("c1",))  # fmt: skip
        for i in range(3):
            batches.add(s, batch_id, member, job_type="test.member", org_id=tenant.org_id,
                        args=(f"c1:{i}", "ok"))  # fmt: skip
    resp = client.post(f"/api/v1/jobs/{batch_id}/cancel", headers=auth(tenant.admin))
    assert resp.status_code == 200
    assert resp.json["status"] == "canceled"
    assert resp.json["batch"]["canceled"] == 3 and resp.json["batch"]["pending"] == 0
    assert resp.json["batch"]["callback_staged_at"] is not None


def test_another_orgs_batch_is_404(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    with session_scope(sessions) as s:
        batch_id = batches.open_batch(s, org_id=tenant.org_id)
    resp = client.get(f"/api/v1/jobs/{batch_id}", headers=auth(other_tenant.member))
    assert resp.status_code == 404
