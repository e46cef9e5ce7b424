"""``Idempotency-Key`` on POST: the same key and body replay the first answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from core.settings import Settings
from tests.conftest import auth
from tests.support.client import JsonClient, JsonResponse
from tests.support.factories import Tenant
from tests.web.helpers import MINIMAL, RESOURCES, assert_error, count, snapshot


def _post(client: JsonClient, key: str, path: str, body: object, idem: str) -> JsonResponse:
    return client.post(path, json=body, headers=auth(key, **{"Idempotency-Key": idem}))


@pytest.mark.parametrize("name", RESOURCES)
def test_the_same_key_and_body_replay_the_first_answer(
    client: JsonClient, engine: Engine, tenant: Tenant, name: str
) -> None:
    h = auth(tenant.member, **{"Idempotency-Key": f"create-{name}"})
    first = client.post(f"/api/v1/{name}", json=MINIMAL[name], headers=h)
    second = client.post(f"/api/v1/{name}", json=MINIMAL[name], headers=h)
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert count(engine, name) == 1


def test_the_same_key_with_another_body_is_409(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    h = auth(tenant.member, **{"Idempotency-Key": "k1"})
    assert client.post("/api/v1/companies", json={"name": "A"}, headers=h).status_code == 201
    before = snapshot(engine)
    error = assert_error(client.post("/api/v1/companies", json={"name": "B"}, headers=h), 409)
    assert "Idempotency-Key" in error["message"]
    # Another path under the same key is another request, too.
    assert_error(client.post("/api/v1/leads", json={"name": "A"}, headers=h), 409)
    assert snapshot(engine) == before


def test_a_failed_request_does_not_use_up_its_key(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    h = auth(tenant.member, **{"Idempotency-Key": "retry-me"})
    bad = {"name": "A", "owner_id": 999_999}
    assert_error(client.post("/api/v1/companies", json=bad, headers=h), 422)
    assert count(engine, "idempotency_keys") == 0
    # The same key then works for the corrected request, and replays it.
    good = client.post("/api/v1/companies", json={"name": "A"}, headers=h)
    again = client.post("/api/v1/companies", json={"name": "A"}, headers=h)
    assert good.status_code == again.status_code == 201
    assert again.json == good.json and count(engine, "companies") == 1


def test_the_same_object_in_another_key_order_is_the_same_body(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    h = auth(tenant.member, **{"Idempotency-Key": "order"})
    one = b'{"name": "A", "city": "Lyon"}'
    other = b'{ "city":"Lyon","name":"A" }'
    first = client.post("/api/v1/companies", data=one, content_type="application/json", headers=h)
    second = client.post(
        "/api/v1/companies", data=other, content_type="application/json", headers=h
    )
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(engine, "companies") == 1


def test_keys_are_per_org(
    client: JsonClient, engine: Engine, tenant: Tenant, other_tenant: Tenant
) -> None:
    body = {"name": "Same"}
    mine = _post(client, tenant.member, "/api/v1/companies", body, "shared")
    theirs = _post(client, other_tenant.member, "/api/v1/companies", body, "shared")
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json["id"] != theirs.json["id"]
    assert count(engine, "companies", "org_id = :o", o=tenant.org_id) == 1
    assert count(engine, "companies", "org_id = :o", o=other_tenant.org_id) == 1


def test_keys_are_scoped_to_the_api_key_that_sent_them(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    first = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, "per-key")
    second = _post(client, tenant.admin, "/api/v1/companies", {"name": "A"}, "per-key")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert second.json["id"] != first.json["id"]
    assert count(engine, "companies") == 2
    again = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, "per-key")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json


def test_another_caller_reusing_a_key_meets_the_role_check(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    resp = _post(client, tenant.admin, "/api/v1/users", {"email": "new@a.test"}, "admin-only")
    assert resp.status_code == 201
    denied = _post(client, tenant.member, "/api/v1/users", {"email": "new@a.test"}, "admin-only")
    assert_error(denied, 403)
    assert "Idempotent-Replayed" not in denied.headers
    assert count(engine, "users") == 4


def test_an_expired_key_is_treated_as_new(
    client: JsonClient, engine: Engine, settings: Settings, tenant: Tenant
) -> None:
    first = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, "old")
    ttl = timedelta(seconds=settings.web.idempotency_ttl_s + 1)
    with engine.begin() as conn:
        conn.execute(text("UPDATE idempotency_keys SET created_at = now() - :ttl"), {"ttl": ttl})
    again = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, "old")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert again.json["id"] != first.json["id"]
    assert count(engine, "companies") == 2
    # The renewed key now replays the second answer, and another body conflicts again.
    third = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, "old")
    assert third.json == again.json
    assert_error(_post(client, tenant.member, "/api/v1/companies", {"name": "B"}, "old"), 409)


def test_a_key_just_inside_its_lifetime_still_replays(
    client: JsonClient, engine: Engine, settings: Settings, tenant: Tenant
) -> None:
    first = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, "young")
    age = timedelta(seconds=settings.web.idempotency_ttl_s - 60)
    with engine.begin() as conn:
        conn.execute(text("UPDATE idempotency_keys SET created_at = now() - :age"), {"age": age})
    again = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, "young")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert count(engine, "companies") == 1


@pytest.mark.parametrize("key", ["x" * 256, "", "tab\there"])
def test_an_invalid_key_is_422(
    client: JsonClient, engine: Engine, tenant: Tenant, key: str
) -> None:
    resp = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, key)
    error = assert_error(resp, 422)
    assert "Idempotency-Key" in error["message"]
    assert count(engine, "companies") == 0


def test_the_longest_valid_key_works(client: JsonClient, engine: Engine, tenant: Tenant) -> None:
    key = "k" * 255
    for _ in range(2):
        resp = _post(client, tenant.member, "/api/v1/companies", {"name": "A"}, key)
        assert resp.status_code == 201
    assert count(engine, "companies") == 1


def test_jobs_are_idempotent_too(client: JsonClient, engine: Engine, tenant: Tenant) -> None:
    body = {"type": "analytics.rollup"}
    first = _post(client, tenant.member, "/api/v1/jobs", body, "job-1")
    second = _post(client, tenant.member, "/api/v1/jobs", body, "job-1")
    assert first.status_code == second.status_code == 202
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert count(engine, "jobs") == 1
    other = _post(client, tenant.member, "/api/v1/jobs", {**body, "params": {}}, "job-1")
    assert_error(other, 409)
    assert count(engine, "jobs") == 1
