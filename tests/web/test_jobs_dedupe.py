"""Unique job types over the API and CRM writes: deduplicated answers, one rollup per org."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Job, JobStatus
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant

JOBS = "/api/v1/jobs"


def _rollups(sessions: sessionmaker[Session], org_id: int) -> list[Job]:
    with session_scope(sessions) as s:
        return list(
            s.scalars(select(Job).where(Job.type == "analytics.rollup", Job.org_id == org_id))
        )


def test_a_repeat_answers_with_the_queued_job(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    first = client.post(JOBS, json={"type": "analytics.rollup"}, headers=auth(tenant.member))
    assert first.status_code == 202 and "deduplicated" not in first.json
    again = client.post(JOBS, json={"type": "analytics.rollup"}, headers=auth(tenant.admin))
    assert again.status_code == 202
    assert again.json["deduplicated"] is True
    assert again.json["id"] == first.json["id"] and again.json["status"] == "queued"
    theirs = client.post(JOBS, json={"type": "analytics.rollup"}, headers=auth(other_tenant.member))
    assert "deduplicated" not in theirs.json and theirs.json["id"] != first.json["id"]
    for job_type in ("cache.warm", "search.reindex"):
        one = client.post(JOBS, json={"type": job_type}, headers=auth(tenant.admin)).json
        two = client.post(JOBS, json={"type": job_type}, headers=auth(tenant.admin)).json
        assert two["deduplicated"] is True and two["id"] == one["id"]


def test_a_job_type_without_a_key_is_never_deduplicated(client: JsonClient, tenant: Tenant) -> None:
    body = {"type": "notifications.broadcast", "params": {"title": "hi"}}
    one = client.post(JOBS, json=body, headers=auth(tenant.admin)).json
    two = client.post(JOBS, json=body, headers=auth(tenant.admin)).json
    assert one["id"] != two["id"] and "deduplicated" not in two


def test_writes_fold_into_one_rollup_and_a_write_after_its_start_gets_another(
    client: JsonClient, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    for i in range(3):
        resp = client.post("/api/v1/deals", json={"title": f"d{i}"}, headers=auth(tenant.member))
        assert resp.status_code == 201
    [queued] = _rollups(sessions, tenant.org_id)
    assert queued.run_after is not None  # debounced
    with session_scope(sessions) as s:  # the worker starts it
        s.execute(
            update(Job).where(Job.id == queued.id).values(status=JobStatus.RUNNING, attempts=1)
        )
    client.post("/api/v1/deals", json={"title": "late"}, headers=auth(tenant.member))
    client.post("/api/v1/deals", json={"title": "later"}, headers=auth(tenant.member))
    jobs = _rollups(sessions, tenant.org_id)
    assert len(jobs) == 2
    assert sorted(j.status for j in jobs) == ["queued", "running"]
