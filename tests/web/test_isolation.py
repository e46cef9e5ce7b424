"""Tenancy: another org's id answers exactly like a missing id, and changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.web.helpers import MINIMAL, RESOURCES, UPDATES, assert_error, count, create_all, snapshot

MISSING_ID = 900_000_000


@pytest.fixture
def theirs(client: JsonClient, other_tenant: Tenant) -> dict[str, dict[str, Any]]:
    """One row of every resource, and one job, in the other org."""
    rows = create_all(client, other_tenant.member)
    job = client.post(
        "/api/v1/jobs", json={"type": "analytics.rollup"}, headers=auth(other_tenant.admin)
    )
    assert job.status_code == 202
    rows["job"] = job.json
    return rows


def _as_missing(
    client: JsonClient, key: str, method: str, their_url: str, missing_url: str, **kw: Any
) -> None:
    """``their_url`` and ``missing_url`` answer the same 404."""
    theirs = client.open(their_url, method=method, headers=auth(key), **kw)
    missing = client.open(missing_url, method=method, headers=auth(key), **kw)
    assert_error(theirs, 404, "not_found")
    assert_error(missing, 404, "not_found")
    assert theirs.get_data() == missing.get_data()
    assert theirs.headers.get("Content-Type") == missing.headers.get("Content-Type")


@pytest.mark.parametrize("name", RESOURCES)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_orgs_row_is_a_404_like_a_missing_one(
    client: JsonClient,
    engine: Engine,
    tenant: Tenant,
    other_tenant: Tenant,
    theirs: dict[str, dict[str, Any]],
    name: str,
    method: str,
) -> None:
    create_all(client, tenant.member)  # the caller has rows of its own
    before = snapshot(engine)
    body = {"json": UPDATES[name]} if method == "PATCH" else {}
    url = f"/api/v1/{name}/"
    _as_missing(
        client, tenant.admin, method, url + str(theirs[name]["id"]), url + str(MISSING_ID), **body
    )
    assert snapshot(engine) == before
    still = client.get(url + str(theirs[name]["id"]), headers=auth(other_tenant.member))
    assert still.status_code == 200 and still.json == theirs[name]


@pytest.mark.parametrize("role", ["member", "admin", "operator"])
def test_another_orgs_job_is_a_404_like_a_missing_one(
    client: JsonClient,
    engine: Engine,
    tenant: Tenant,
    other_tenant: Tenant,
    theirs: dict[str, dict[str, Any]],
    role: str,
) -> None:
    key = getattr(tenant, role)
    job_url = f"/api/v1/jobs/{theirs['job']['id']}"
    missing = f"/api/v1/jobs/{uuid.uuid4()}"
    before = snapshot(engine)
    _as_missing(client, key, "GET", job_url, missing)
    if role == "operator":
        # Operators are platform-wide: they may cancel any org's queued job (the contract).
        return
    # A member is told 404, not 403: a role check must not reveal that the job exists.
    _as_missing(client, key, "POST", job_url + "/cancel", missing + "/cancel")
    assert snapshot(engine) == before
    still = client.get(job_url, headers=auth(other_tenant.member)).json
    assert still["status"] == "queued"


def test_lists_never_show_another_orgs_rows(
    client: JsonClient,
    engine: Engine,
    tenant: Tenant,
    other_tenant: Tenant,
    theirs: dict[str, dict[str, Any]],
) -> None:
    mine = create_all(client, tenant.member)
    mine_job = client.post(
        "/api/v1/jobs", json={"type": "analytics.rollup"}, headers=auth(tenant.member)
    ).json
    h = auth(tenant.member)
    for name in RESOURCES:
        listed = client.get(f"/api/v1/{name}?limit=200", headers=h).json
        assert [r["id"] for r in listed["items"]] == [mine[name]["id"]], name
    # Filtering by the other org's ids finds nothing either.
    for url in (
        f"/api/v1/contacts?company_id={theirs['companies']['id']}",
        f"/api/v1/activities?deal_id={theirs['deals']['id']}",
        f"/api/v1/companies?owner_id={other_tenant.member_id}",
    ):
        assert client.get(url, headers=h).json["items"] == [], url
    # The rollups the other org's writes staged are theirs, too.
    jobs = client.get("/api/v1/jobs?limit=200", headers=h).json["items"]
    assert mine_job["id"] in {j["id"] for j in jobs}
    assert theirs["job"]["id"] not in {j["id"] for j in jobs}
    assert len(jobs) == count(engine, "jobs", "org_id = :org", org=tenant.org_id)


def test_links_to_another_orgs_rows_are_refused_everywhere(
    client: JsonClient,
    engine: Engine,
    tenant: Tenant,
    other_tenant: Tenant,
    theirs: dict[str, dict[str, Any]],
) -> None:
    mine = create_all(client, tenant.member)
    h = auth(tenant.member)
    links = {
        "contacts": ("company_id", theirs["companies"]["id"], "company"),
        "deals": ("contact_id", theirs["contacts"]["id"], "contact"),
        "activities": ("lead_id", theirs["leads"]["id"], "lead"),
        "leads": ("owner_id", other_tenant.member_id, "user"),
    }
    before = snapshot(engine)
    for name, (field, their_id, kind) in links.items():
        bad = {field: their_id}
        created = client.post(f"/api/v1/{name}", json={**MINIMAL[name], **bad}, headers=h)
        patched = client.patch(f"/api/v1/{name}/{mine[name]['id']}", json=bad, headers=h)
        for resp in (created, patched):
            error = assert_error(resp, 422)
            assert error["details"] == [
                {"loc": [field], "msg": f"no such {kind}", "type": "reference"}
            ]
    assert snapshot(engine) == before


def _deal(client: JsonClient, key: str, stage: str, amount: str) -> None:
    body = {"title": stage, "stage": stage, "amount": amount}
    assert client.post("/api/v1/deals", json=body, headers=auth(key)).status_code == 201


def test_dashboard_counts_only_own_rows(
    client: JsonClient, engine: Engine, tenant: Tenant, other_tenant: Tenant
) -> None:
    _deal(client, tenant.member, "won", "100.00")
    _deal(client, tenant.member, "lost", "5.00")
    for _ in range(3):
        _deal(client, other_tenant.member, "won", "1000.00")
    client.post("/api/v1/leads", json={"name": "mine"}, headers=auth(tenant.member))
    for i in range(4):
        client.post("/api/v1/leads", json={"name": f"t{i}"}, headers=auth(other_tenant.member))
    assert count(engine, "deals") == 5 and count(engine, "leads") == 5

    mine = client.get("/api/v1/analytics/dashboard", headers=auth(tenant.member))
    assert mine.status_code == 200
    assert mine.json["pipeline"]["won"] == {"count": 1, "amount": "100.00"}
    assert mine.json["pipeline"]["lost"] == {"count": 1, "amount": "5.00"}
    assert mine.json["win_rate"] == 0.5
    assert sum(d["count"] for d in mine.json["new_leads_per_day"]) == 1

    other = client.get("/api/v1/analytics/dashboard", headers=auth(other_tenant.member)).json
    assert other["pipeline"]["won"] == {"count": 3, "amount": "3000.00"}
    assert other["win_rate"] == 1.0
    assert sum(d["count"] for d in other["new_leads_per_day"]) == 4
