"""Workers with the jobs each runs now, and schedules with their last fires, over the API."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import redis
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.heartbeat import WORKERS_KEY
from core.settings import Settings
from models import Job, JobAttempt
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant


def _register(client: redis.Redis, ns: str, worker_id: str) -> None:
    client.zadd(f"{ns}:__heartbeats__", {worker_id: int(time.time() * 1000)})
    info = {"host": "h1", "pid": 42, "queues": ["default"], "started_at": time.time()}
    client.hset(WORKERS_KEY, worker_id, orjson.dumps(info))


def _running(
    sessions: sessionmaker[Session], org_id: int, worker: str, *, status: str = "running"
) -> str:
    job_id = uuid.uuid4()
    started = datetime.now(UTC) - timedelta(seconds=90)
    with session_scope(sessions) as s:
        s.add(
            Job(
                id=job_id,
                org_id=org_id,
                type="search.reindex",
                actor="search.reindex_org",
                queue="bulk",
                params={},
                message={},
                status=status,
                attempts=1,
            )
        )
        s.flush()
        s.add(JobAttempt(job_id=job_id, attempt=1, worker=worker, started_at=started))
    return str(job_id)


def test_each_worker_lists_the_jobs_it_runs_now(
    client: JsonClient, tenant: Tenant, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    broker = redis.Redis.from_url(settings.broker.url)
    ns = settings.broker.namespace
    _register(broker, ns, "w-busy")
    _register(broker, ns, "w-idle")
    job = _running(sessions, tenant.org_id, "w-busy")
    _running(sessions, tenant.org_id, "w-busy", status="succeeded")  # attempt never closed
    _running(sessions, tenant.org_id, "w-gone")  # not a live worker
    items = client.get("/api/v1/ops/workers", headers=auth(tenant.operator)).json["items"]
    by_id = {w["id"]: w for w in items}
    assert set(by_id) == {"w-busy", "w-idle"}
    (run,) = by_id["w-busy"]["running"]
    assert (run["job_id"], run["actor"], run["org_id"]) == (
        job,
        "search.reindex_org",
        tenant.org_id,
    )
    assert run["running_for_s"] >= 90
    assert by_id["w-idle"]["running"] == []
    # Beat again: the heartbeat timeout is 3 s and a loaded machine can take that by now.
    _register(broker, ns, "w-busy")
    _register(broker, ns, "w-idle")
    snap = client.get("/api/v1/ops/queues", headers=auth(tenant.operator)).json
    assert {w["id"]: len(w["running"]) for w in snap["workers"]} == {"w-busy": 1, "w-idle": 0}
    assert client.get("/api/v1/ops/workers", headers=auth(tenant.admin)).status_code == 403


def test_schedules_show_trigger_and_last_fires(client: JsonClient, tenant: Tenant) -> None:
    h = auth(tenant.operator)
    assert client.post("/api/v1/ops/schedule/analytics.rollup/run", headers=h).json["staged"] == 1
    items = client.get("/api/v1/ops/schedule", headers=h).json["items"]
    rollup = next(s for s in items if s["id"] == "analytics.rollup")
    assert rollup["trigger"].startswith("every ")
    (fired,) = rollup["last_fires"]
    assert (fired["trigger"], fired["staged"], fired["outcome"]) == ("manual", 1, "running")
    assert all(s["last_fires"] == [] for s in items if s["id"] != "analytics.rollup")


def test_charts_answer_for_both_ranges_and_refuse_others(
    client: JsonClient, tenant: Tenant
) -> None:
    h = auth(tenant.operator)
    hour = client.get("/api/v1/ops/charts", headers=h).json
    assert hour["range"] == "hour" and len(hour["t"]) == 60
    assert len(client.get("/api/v1/ops/charts?range=14d", headers=h).json["t"]) == 336
    assert client.get("/api/v1/ops/charts?range=year", headers=h).status_code == 422
    assert client.get("/api/v1/ops/charts", headers=auth(tenant.member)).status_code == 403
