"""Search jobs through the outbox and Dramatiq's StubBroker: writes become searchable."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import search
from core.settings import Settings
from jobs.registry import JOB_TYPES
from jobs.schedules import SCHEDULES
from models import Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.search import run_staged_jobs, titles


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    search.CACHE.clear()
    yield
    search.CACHE.clear()


def _find(client: JsonClient, key: str, q: str) -> list[str]:
    resp = client.get("/api/v1/search", query_string={"q": q}, headers=auth(key))
    assert resp.status_code == 200, resp.json
    return titles(resp.json["items"])


def test_create_rename_delete_are_searchable_after_their_jobs(
    client: JsonClient, tenant: Tenant, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    key = tenant.member
    company = client.post(
        "/api/v1/companies", json={"name": "Zephyr Aerodynamics"}, headers=auth(key)
    ).json
    contact = client.post(
        "/api/v1/contacts",
        json={"first_name": "Margit", "last_name": "Szabó", "company_id": company["id"]},
        headers=auth(key),
    ).json
    client.post(
        "/api/v1/deals",
        json={"title": "Wind tunnel", "company_id": company["id"]},
        headers=auth(key),
    )
    client.post("/api/v1/leads", json={"name": "Ottoline Quist"}, headers=auth(key))
    assert _find(client, key, "zephyr") == []  # staged, not yet run
    with sessions() as s:
        staged = s.scalars(select(Job).where(Job.type == "search.index")).all()
        assert len(staged) == 4
        for job in staged:  # messages carry ids and small JSON values only
            assert json.loads(json.dumps(job.message)) == job.message
            org_id, kind, entity_id = job.message["args"]
            assert org_id == tenant.org_id and kind in {"company", "contact", "deal", "lead"}
            assert isinstance(entity_id, int)
    run_staged_jobs(settings, sessions)
    assert set(_find(client, key, "zephyr")) == {
        "Zephyr Aerodynamics",
        "Margit Szabó",
        "Wind tunnel",
    }
    assert _find(client, key, "ottoline") == ["Ottoline Quist"]

    # Renaming the company fans out: its contact is found under the new name.
    client.patch(
        f"/api/v1/companies/{company['id']}", json={"name": "Boreas Labs"}, headers=auth(key)
    )
    ran = run_staged_jobs(settings, sessions)
    assert ran.count("search.index") == 1 and ran.count("search.fanout") == 1
    assert set(_find(client, key, "boreas")) == {"Boreas Labs", "Margit Szabó", "Wind tunnel"}
    assert _find(client, key, "zephyr") == []
    # A typo in the new name, as a user would type it.
    assert "Margit Szabó" in _find(client, key, "margit boraes")

    # An update that does not rename anything stages no fan-out.
    client.patch(f"/api/v1/companies/{company['id']}", json={"city": "Pécs"}, headers=auth(key))
    ran = run_staged_jobs(settings, sessions)
    assert [t for t in ran if t != "live.activity"] == ["search.index"]  # and its feed entry

    client.delete(f"/api/v1/contacts/{contact['id']}", headers=auth(key))
    client.delete(f"/api/v1/leads/{_lead_id(client, key)}", headers=auth(key))
    run_staged_jobs(settings, sessions)
    assert set(_find(client, key, "boreas")) == {"Boreas Labs", "Wind tunnel"}
    assert _find(client, key, "ottoline") == []


def _lead_id(client: JsonClient, key: str) -> int:
    items = client.get("/api/v1/leads", headers=auth(key)).json["items"]
    return int(items[0]["id"])


def test_reindex_job_records_progress_in_the_ledger(
    client: JsonClient, tenant: Tenant, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from tests.support.search import add_contacts

    with session_scope(sessions) as s:
        add_contacts(s, tenant.org_id, [f"Person{i:04d} Example" for i in range(120)])
    assert (
        client.post(
            "/api/v1/jobs", json={"type": "search.reindex"}, headers=auth(tenant.member)
        ).status_code
        == 403
    )
    resp = client.post("/api/v1/jobs", json={"type": "search.reindex"}, headers=auth(tenant.admin))
    assert resp.status_code == 202, resp.json
    run_staged_jobs(settings, sessions)
    job = client.get(f"/api/v1/jobs/{resp.json['id']}", headers=auth(tenant.admin)).json
    assert job["status"] == "succeeded" and job["progress"] == 100
    assert job["result"]["documents"] == 120
    assert len(_find(client, tenant.member, "example")) == 20


def test_schedules_and_registry(
    tenant: Tenant, settings: Settings, sessions: sessionmaker[Session], broker_redis: redis.Redis
) -> None:
    assert "search.reindex" in JOB_TYPES and JOB_TYPES["search.reindex"].role == "admin"
    by_id = {s.id: s for s in SCHEDULES}
    assert by_id["search.health"].every_s == 86_400 and by_id["search.health"].per_org
    assert not by_id["search.analytics"].per_org
    # The scheduled jobs run through the broker like any other.
    from core.scheduling import fire

    search.record(broker_redis, tenant.org_id, "hello", 0, 3.0)
    with session_scope(sessions) as s:
        for sched in (by_id["search.health"], by_id["search.analytics"]):
            fire(
                s,
                schedule_id=sched.id,
                actor=sched.actor,
                per_org=sched.per_org,
                fired_at=0,
            )
    assert sorted(run_staged_jobs(settings, sessions)) == ["search.analytics", "search.health"]
    with sessions() as s:
        results = {j.type: j.result for j in s.scalars(select(Job))}
    assert results["search.analytics"] == {"events": 1}
    health = results["search.health"]
    assert health is not None and health["healthy"] is True
