"""The operators' jobs explorer: filters, paging, detail with attempts, retry and cancel."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from models import AuditEntry, Job, JobAttempt
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _add(
    sessions: sessionmaker[Session],
    *,
    org_id: int | None,
    status: str = "succeeded",
    type: str = "analytics.rollup",
    queue: str = "default",
    minute: int = 0,
    error: str | None = None,
    attempts: int = 0,
    redis_id: str | None = None,
) -> str:
    job_id = uuid.uuid4()
    with session_scope(sessions) as s:
        s.add(
            Job(
                id=job_id,
                org_id=org_id,
                type=type,
                actor=type,
                queue=queue,
                params={"p": 1},
                message={"message_id": str(job_id), "args": [org_id], "options": {"retries": 3}},
                status=status,
                error=error,
                attempts=attempts,
                redis_id=redis_id,
                created_at=T0 + timedelta(minutes=minute),
                dispatched_at=T0,
                finished_at=None if status in ("queued", "running") else T0,
            )
        )
    return str(job_id)


@pytest.fixture
def jobs(sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant) -> dict[str, str]:
    return {
        "a_ok": _add(sessions, org_id=tenant.org_id, minute=1),
        "a_failed": _add(
            sessions,
            org_id=tenant.org_id,
            status="failed",
            type="search.reindex",
            queue="bulk",
            minute=2,
            error="ValueError: the 100% bad_thing",
            attempts=2,
        ),
        "b_queued": _add(sessions, org_id=other_tenant.org_id, status="queued", minute=3),
        "b_running": _add(
            sessions, org_id=other_tenant.org_id, status="running", queue="critical", minute=4
        ),
        "platform": _add(sessions, org_id=None, type="cache.warm", minute=5),
    }


def _ids(client: JsonClient, key: str, query: str = "") -> list[str]:
    resp = client.get(f"/api/v1/ops/jobs?{query}", headers=auth(key))
    assert resp.status_code == 200, resp.json
    return [j["id"] for j in resp.json["items"]]


def test_only_operators_see_every_org_s_jobs(
    client: JsonClient, tenant: Tenant, jobs: dict[str, str]
) -> None:
    for key in (tenant.member, tenant.admin):
        assert client.get("/api/v1/ops/jobs", headers=auth(key)).status_code == 403
        resp = client.get(f"/api/v1/ops/jobs/{jobs['b_queued']}", headers=auth(key))
        assert resp.status_code == 403
    ids = _ids(client, tenant.operator)
    order = ["platform", "b_running", "b_queued", "a_failed", "a_ok"]
    assert ids == [jobs[n] for n in order]  # newest first, every org


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=failed", ["a_failed"]),
        ("type=cache.warm", ["platform"]),
        ("queue=critical", ["b_running"]),
        ("q=100%25+BAD_", ["a_failed"]),  # error text, case-insensitive, % and _ literal
        ("q=50%25", []),
        ("since=2026-12-01T12:03:00Z&until=2026-12-01T12:05:00Z", ["b_running", "b_queued"]),
        ("status=succeeded&type=analytics.rollup", ["a_ok"]),
    ],
)
def test_filters(
    client: JsonClient, tenant: Tenant, jobs: dict[str, str], query: str, expected: list[str]
) -> None:
    assert _ids(client, tenant.operator, query) == [jobs[n] for n in expected]


def test_org_and_id_filters(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant, jobs: dict[str, str]
) -> None:
    org_b = _ids(client, tenant.operator, f"org_id={other_tenant.org_id}")
    assert org_b == [jobs["b_running"], jobs["b_queued"]]
    assert _ids(client, tenant.operator, f"q={jobs['a_ok']}") == [jobs["a_ok"]]


@pytest.mark.parametrize("query", ["status=nope", "queue=nope", "since=yesterday", "org_id=0"])
def test_bad_filters_are_422(client: JsonClient, tenant: Tenant, query: str) -> None:
    assert client.get(f"/api/v1/ops/jobs?{query}", headers=auth(tenant.operator)).status_code == 422


def test_cursor_paging_walks_every_job_once(
    client: JsonClient, tenant: Tenant, jobs: dict[str, str]
) -> None:
    seen: list[str] = []
    cursor = ""
    while True:
        resp = client.get(f"/api/v1/ops/jobs?limit=2{cursor}", headers=auth(tenant.operator))
        seen += [j["id"] for j in resp.json["items"]]
        if resp.json["next_cursor"] is None:
            break
        cursor = f"&cursor={resp.json['next_cursor']}"
    assert seen == _ids(client, tenant.operator) and len(seen) == 5


def test_detail_has_params_result_and_the_attempts_timeline(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session], jobs: dict[str, str]
) -> None:
    job_id = uuid.UUID(jobs["a_failed"])
    with session_scope(sessions) as s:
        s.add(
            JobAttempt(
                job_id=job_id,
                attempt=1,
                worker="w1",
                started_at=T0,
                outcome="crashed",
                finished_at=T0 + timedelta(seconds=2),
            )
        )
        s.add(
            JobAttempt(
                job_id=job_id,
                attempt=2,
                worker="w2",
                started_at=T0,
                outcome="failed",
                finished_at=T0 + timedelta(milliseconds=1500),
                traceback="Traceback (most recent call last):\n  ...\nValueError: x",
            )
        )
    body = client.get(f"/api/v1/ops/jobs/{job_id}", headers=auth(tenant.operator)).json
    assert body["params"] == {"p": 1} and body["org_id"] == tenant.org_id
    assert (body["retryable"], body["cancelable"]) == (True, False)
    first, second = body["attempts_timeline"]
    assert (first["worker"], first["outcome"], first["duration_ms"]) == ("w1", "crashed", 2000.0)
    assert second["outcome"] == "failed" and second["traceback"].startswith("Traceback")
    missing = client.get(f"/api/v1/ops/jobs/{uuid.uuid4()}", headers=auth(tenant.operator))
    assert missing.status_code == 404


def _audit(sessions: sessionmaker[Session]) -> list[tuple[str, str, dict[str, Any]]]:
    with sessions() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(a.action, a.target, a.details) for a in rows]


def test_retry_goes_through_the_outbox_and_is_audited(
    client: JsonClient,
    tenant: Tenant,
    sessions: sessionmaker[Session],
    settings: Settings,
    engine: Engine,
) -> None:
    ns = settings.broker.namespace
    job_id = _add(sessions, org_id=tenant.org_id, status="failed", error="x", redis_id="r1")
    from redis import Redis

    broker = Redis.from_url(settings.broker.url)
    broker.zadd(f"{ns}:default.XQ", {"r1": 1})
    broker.hset(f"{ns}:default.XQ.msgs", "r1", "{}")
    resp = client.post(f"/api/v1/ops/jobs/{job_id}/retry", headers=auth(tenant.operator))
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "queued"
    with sessions() as s:
        job = s.get(Job, uuid.UUID(job_id))
        assert job is not None
        assert (job.status, job.dispatched_at, job.finished_at) == ("queued", None, None)
        assert "retries" not in job.message["options"]  # a fresh retry budget
        staged = s.execute(text("SELECT count(*) FROM jobs WHERE dispatched_at IS NULL")).scalar()
        assert staged == 1  # the relay picks it up like any staged job
    assert broker.zcard(f"{ns}:default.XQ") == 0  # its old dead letter cannot run it twice
    assert _audit(sessions) == [
        (
            "job.retry",
            job_id,
            {"job_org_id": tenant.org_id, "type": "analytics.rollup", "status": "failed"},
        )
    ]
    again = client.post(f"/api/v1/ops/jobs/{job_id}/retry", headers=auth(tenant.operator))
    assert again.status_code == 409
    assert len(_audit(sessions)) == 1  # a refused action changes nothing


def test_cancel_a_queued_job_of_any_org_and_refuse_a_running_one(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session], jobs: dict[str, str]
) -> None:
    ok = client.post(f"/api/v1/ops/jobs/{jobs['b_queued']}/cancel", headers=auth(tenant.operator))
    assert ok.status_code == 200 and ok.json["status"] == "canceled"
    busy = client.post(
        f"/api/v1/ops/jobs/{jobs['b_running']}/cancel", headers=auth(tenant.operator)
    )
    assert busy.status_code == 409
    assert [a[:2] for a in _audit(sessions)] == [("job.cancel", jobs["b_queued"])]
    member = client.post(f"/api/v1/ops/jobs/{jobs['a_ok']}/cancel", headers=auth(tenant.member))
    assert member.status_code == 403
