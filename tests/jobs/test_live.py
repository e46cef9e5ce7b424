"""``live.activity``: a committed write's entry reaches its org's stream once, via the outbox."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.live import activity
from core.settings import Settings
from models import Job
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.search import run_staged_jobs


def _staged(sessions: sessionmaker[Session], org_id: int) -> list[dict[str, object]]:
    with sessions() as session:
        jobs = session.scalars(
            select(Job)
            .where(Job.type == "live.activity", Job.org_id == org_id)
            .order_by(Job.created_at)
        ).all()
        return [job.message["args"][1] for job in jobs]


def test_writes_stage_their_entries_in_their_transaction(
    client: JsonClient, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    h = auth(tenant.member)
    deal = client.post("/api/v1/deals", json={"title": "Big", "amount": "5.00"}, headers=h).json
    client.patch(f"/api/v1/deals/{deal['id']}", json={"stage": "won"}, headers=h)
    client.delete(f"/api/v1/deals/{deal['id']}", headers=h)
    refused = client.post("/api/v1/deals", json={"title": "x", "company_id": 10**9}, headers=h)
    assert refused.status_code == 422  # rolled back: nothing staged for it
    entries = _staged(sessions, tenant.org_id)
    assert [(e["action"], e["row_id"], e["title"]) for e in entries] == [
        ("create", deal["id"], "Big"),
        ("update", deal["id"], "Big"),
        ("delete", deal["id"], "Big"),
    ]
    assert entries[0]["stage"] == "lead" and entries[0]["amount"] == "5.00"
    assert entries[1]["changed"] == ["stage"] and entries[1]["stage"] == "won"
    assert entries[0]["by"] == tenant.member_id and entries[0]["resource"] == "deals"


def test_the_job_appends_to_the_stream_once(
    client: JsonClient,
    tenant: Tenant,
    other_tenant: Tenant,
    settings: Settings,
    sessions: sessionmaker[Session],
    broker_redis: redis.Redis,
) -> None:
    client.post("/api/v1/companies", json={"name": "Acme"}, headers=auth(tenant.member))
    client.post("/api/v1/leads", json={"name": "Lee"}, headers=auth(other_tenant.member))
    assert run_staged_jobs(settings, sessions).count("live.activity") == 2
    mine = activity.replay(broker_redis, tenant.org_id, "0-0")
    assert len(mine.frames) == 1 and b'"title":"Acme"' in mine.frames[0]
    theirs = activity.replay(broker_redis, other_tenant.org_id, "0-0")
    assert len(theirs.frames) == 1 and b'"title":"Lee"' in theirs.frames[0]


def test_the_job_waits_out_a_short_broker_outage(
    client: JsonClient,
    tenant: Tenant,
    settings: Settings,
    sessions: sessionmaker[Session],
    broker_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its retry would be enqueued on the same Redis: the job itself waits the outage out."""
    real = activity.record
    refusals: list[int] = []

    def restarting(*args: Any, **kwargs: Any) -> str | None:
        if len(refusals) < 2:
            refusals.append(1)
            raise redis.ConnectionError("Error 111 connecting: Connection refused.")
        return real(*args, **kwargs)

    monkeypatch.setattr(activity, "record", restarting)
    client.post("/api/v1/companies", json={"name": "Acme"}, headers=auth(tenant.member))
    assert run_staged_jobs(settings, sessions).count("live.activity") == 1
    assert len(refusals) == 2
    frames = activity.replay(broker_redis, tenant.org_id, "0-0").frames
    assert len(frames) == 1 and b'"title":"Acme"' in frames[0]
