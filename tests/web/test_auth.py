"""Authentication (``Authorization: Bearer``) and role checks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from models import ApiKey
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.web.helpers import assert_error, count, snapshot
from web.auth import hash_key

ENDPOINTS = [
    ("GET", "/api/v1/companies"),
    ("POST", "/api/v1/companies"),
    ("GET", "/api/v1/deals/1"),
    ("PATCH", "/api/v1/leads/1"),
    ("DELETE", "/api/v1/activities/1"),
    ("GET", "/api/v1/jobs"),
    ("POST", "/api/v1/jobs"),
    ("GET", "/api/v1/jobs/6f1c5a52-4c0e-4c39-9a57-0d1f6f2b7e11"),
    ("POST", "/api/v1/jobs/6f1c5a52-4c0e-4c39-9a57-0d1f6f2b7e11/cancel"),
    ("GET", "/api/v1/analytics/dashboard"),
]
BAD_HEADERS = {
    "missing": {},
    "empty": {"Authorization": ""},
    "wrong-scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    "token-scheme": {"Authorization": "Token shk_abc"},
    "no-key": {"Authorization": "Bearer "},
    "blank-key": {"Authorization": "Bearer    "},
    "unknown-key": {"Authorization": "Bearer shk_not-a-real-key"},
    "scheme-only": {"Authorization": "Bearer"},
}


def _json_kw(method: str) -> dict[str, Any]:
    return (
        {"json": {"name": "x", "type": "analytics.rollup"}} if method in ("POST", "PATCH") else {}
    )


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("header", list(BAD_HEADERS))
def test_no_valid_key_is_a_401_before_anything_else(
    client: JsonClient, engine: Engine, tenant: Tenant, method: str, path: str, header: str
) -> None:
    before = snapshot(engine)
    resp = client.open(path, method=method, headers=BAD_HEADERS[header], **_json_kw(method))
    assert_error(resp, 401, "unauthorized")
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert snapshot(engine) == before


def test_a_401_comes_before_body_checks(client: JsonClient, engine: Engine) -> None:
    # Unauthenticated callers learn nothing about what a body would have needed.
    resp = client.post("/api/v1/companies", data=b"{not json", content_type="application/json")
    assert_error(resp, 401)
    resp = client.post("/api/v1/companies", data=b"x", content_type="text/plain")
    assert_error(resp, 401)


def test_the_key_authenticates_its_own_org(client: JsonClient, tenant: Tenant) -> None:
    created = client.post("/api/v1/companies", json={"name": "A"}, headers=auth(tenant.member))
    assert created.status_code == 201
    # The scheme is case-insensitive (RFC 9110) and surrounding spaces are ignored.
    for header in (f"bearer {tenant.member}", f"BEARER  {tenant.member} "):
        resp = client.get("/api/v1/companies", headers={"Authorization": header})
        assert resp.status_code == 200
        assert [c["id"] for c in resp.json["items"]] == [created.json["id"]]


def test_a_key_with_one_character_changed_is_refused(client: JsonClient, tenant: Tenant) -> None:
    key = tenant.member
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert_error(client.get("/api/v1/companies", headers=auth(tampered)), 401)
    assert_error(client.get("/api/v1/companies", headers=auth(key.upper())), 401)


def test_a_revoked_key_is_refused(
    client: JsonClient, sessions: sessionmaker[Session], engine: Engine, tenant: Tenant
) -> None:
    h = auth(tenant.member)
    assert client.get("/api/v1/companies", headers=h).status_code == 200
    with session_scope(sessions) as session:
        revoked = session.execute(
            update(ApiKey)
            .where(ApiKey.key_hash == hash_key(tenant.member))
            .values(revoked_at=datetime.now(UTC))
            .returning(ApiKey.id)
        ).all()
    assert len(revoked) == 1
    before = count(engine, "companies")
    assert_error(client.get("/api/v1/companies", headers=h), 401, "unauthorized")
    assert_error(client.post("/api/v1/companies", json={"name": "x"}, headers=h), 401)
    assert count(engine, "companies") == before
    # Only that key: the same org's other keys still work.
    assert client.get("/api/v1/companies", headers=auth(tenant.admin)).status_code == 200


def test_keys_are_stored_hashed(engine: Engine, tenant: Tenant) -> None:
    assert count(engine, "api_keys", "key_hash = :h", h=hash_key(tenant.member)) == 1
    assert count(engine, "api_keys", "key_hash = :k", k=tenant.member) == 0


def _job(client: JsonClient, tenant: Tenant) -> str:
    resp = client.post(
        "/api/v1/jobs", json={"type": "analytics.rollup"}, headers=auth(tenant.member)
    )
    assert resp.status_code == 202
    job_id: str = resp.json["id"]
    return job_id


def test_canceling_a_job_needs_admin(client: JsonClient, engine: Engine, tenant: Tenant) -> None:
    job_id = _job(client, tenant)
    resp = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth(tenant.member))
    error = assert_error(resp, 403, "forbidden")
    assert "admin" in error["message"]
    assert count(engine, "jobs", "status = 'queued'") == 1

    resp = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth(tenant.admin))
    assert resp.status_code == 200 and resp.json["status"] == "canceled"


def test_an_operator_may_cancel_too(client: JsonClient, tenant: Tenant) -> None:
    job_id = _job(client, tenant)
    resp = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth(tenant.operator))
    assert resp.status_code == 200 and resp.json["status"] == "canceled"
