"""``POST /api/v1/jobs/bulk``: many jobs in one request, all of them or none."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event, text

from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.web.helpers import assert_error, count
from web.schemas import MAX_BULK_JOBS

BULK = "/api/v1/jobs/bulk"
INVALIDATE = {"type": "cache.invalidate", "params": {"tags": ["contacts"]}}
BROADCAST = {"type": "notifications.broadcast", "params": {"title": "hello"}}
ROLLUP = {"type": "analytics.rollup", "params": {}}


@pytest.fixture
def job_inserts() -> Iterator[list[str]]:
    """The ``INSERT INTO jobs`` statements any engine sends while the test runs."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO jobs"):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _rows(engine: Engine, ids: list[str]) -> list[Any]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM jobs WHERE id = ANY(:ids)"), {"ids": [uuid.UUID(i) for i in ids]}
        ).all()
    by_id = {str(r.id): r for r in rows}
    return [by_id[i] for i in ids]


def test_every_job_is_staged_in_request_order_one_insert_a_type(
    client: JsonClient, engine: Engine, tenant: Tenant, job_inserts: list[str]
) -> None:
    other_tags = {"type": "cache.invalidate", "params": {"tags": ["deals"]}}
    body = {"jobs": [INVALIDATE, BROADCAST, other_tags, ROLLUP]}
    resp = client.post(BULK, json=body, headers=auth(tenant.admin))
    assert resp.status_code == 202, resp.json
    jobs = resp.json["jobs"]
    assert [j["type"] for j in jobs] == [
        "cache.invalidate", "notifications.broadcast", "cache.invalidate", "analytics.rollup",
    ]  # fmt: skip
    assert [j["params"]["tags"] for j in (jobs[0], jobs[2])] == [["contacts"], ["deals"]]
    assert all(j["status"] == "queued" and "deduplicated" not in j for j in jobs)
    assert len({j["id"] for j in jobs}) == 4
    # The two invalidations share one statement; the broadcast and the (unique) rollup
    # have one each.
    assert len(job_inserts) == 3
    rows = _rows(engine, [j["id"] for j in jobs])
    with engine.connect() as conn:
        admin_id = conn.execute(
            text("SELECT id FROM users WHERE org_id = :org AND role = 'admin'"),
            {"org": tenant.org_id},
        ).scalar_one()
    assert all(r.org_id == tenant.org_id and r.created_by == admin_id for r in rows)
    assert all(r.dispatched_at is None for r in rows)  # staged: the relay sends them
    assert rows[2].message["args"] == [tenant.org_id, ["deals"], None]
    assert rows[2].params == {"tags": ["deals"], "pattern": None}
    for job in jobs:
        got = client.get(job["links"]["self"], headers=auth(tenant.member))
        assert got.status_code == 200 and got.json == job


def test_a_repeated_unique_job_answers_with_the_first(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    resp = client.post(BULK, json={"jobs": [ROLLUP, ROLLUP]}, headers=auth(tenant.member))
    assert resp.status_code == 202
    first, second = resp.json["jobs"]
    assert second["id"] == first["id"] and second["deduplicated"] is True
    assert count(engine, "jobs") == 1


def test_an_unknown_type_is_422_naming_its_index_and_stages_nothing(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    body = {"jobs": [INVALIDATE, BROADCAST, {"type": "bogus"}]}
    error = assert_error(client.post(BULK, json=body, headers=auth(tenant.admin)), 422)
    assert error["message"].startswith("jobs[2]: job type 'bogus' is unknown")
    assert error["details"]["index"] == 2
    assert count(engine, "jobs") == 0


def test_bad_params_are_422_located_in_the_list_and_stage_nothing(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    body = {"jobs": [INVALIDATE, {"type": "cache.invalidate", "params": {"tags": []}}]}
    error = assert_error(client.post(BULK, json=body, headers=auth(tenant.admin)), 422)
    assert error["message"] == "jobs[1]: invalid params"
    assert error["details"][0]["loc"][:4] == ["jobs", 1, "params", "tags"]
    assert count(engine, "jobs") == 0


def test_a_job_above_the_callers_role_is_403_and_stages_nothing(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    body = {"jobs": [ROLLUP, INVALIDATE]}
    error = assert_error(client.post(BULK, json=body, headers=auth(tenant.member)), 403)
    assert error["message"] == "jobs[1]: starting cache.invalidate needs the admin role"
    assert count(engine, "jobs") == 0


@pytest.mark.parametrize(
    "body",
    [{"jobs": []}, {"jobs": [INVALIDATE] * (MAX_BULK_JOBS + 1)}, {}, {"jobs": {}}, [INVALIDATE]],
    ids=["empty", "too-many", "no-jobs", "not-a-list", "bare-list"],
)
def test_a_bad_list_is_422_and_stages_nothing(
    client: JsonClient, engine: Engine, tenant: Tenant, body: Any
) -> None:
    assert_error(client.post(BULK, json=body, headers=auth(tenant.admin)), 422)
    assert count(engine, "jobs") == 0


def test_the_most_jobs_a_request_may_start_are_staged(
    make_app: Callable[..., Flask], engine: Engine, tenant: Tenant, job_inserts: list[str]
) -> None:
    # The default jobs limits (60 a minute a key) are below what one request may ask for.
    client = client_for(make_app(limits={"jobs": "1000/minute", "org_jobs": "1000/minute"}))
    body = {"jobs": [INVALIDATE] * MAX_BULK_JOBS}
    resp = client.post(BULK, json=body, headers=auth(tenant.admin))
    assert resp.status_code == 202 and len(resp.json["jobs"]) == MAX_BULK_JOBS
    assert count(engine, "jobs", "org_id = :org", org=tenant.org_id) == MAX_BULK_JOBS
    assert len(job_inserts) == 1


def test_the_orgs_cap_counts_every_job_of_the_request(
    make_app: Callable[..., Flask], engine: Engine, tenant: Tenant, other_tenant: Tenant
) -> None:
    small = client_for(make_app(broker={"org_max_active_jobs": 5}))
    assert (
        small.post(BULK, json={"jobs": [BROADCAST] * 3}, headers=auth(tenant.admin)).status_code
        == 202
    )
    over = small.post(BULK, json={"jobs": [BROADCAST] * 3}, headers=auth(tenant.admin))
    error = assert_error(over, 429)
    assert (
        error["message"]
        == "this organization has 3 unfinished jobs (limit 5); 3 more would pass it"
    )
    assert over.headers["Retry-After"] == "10"
    assert count(engine, "jobs") == 3
    fits = small.post(BULK, json={"jobs": [BROADCAST] * 2}, headers=auth(tenant.admin))
    assert fits.status_code == 202
    # Another org is not held back by this one.
    other = small.post(BULK, json={"jobs": [BROADCAST] * 5}, headers=auth(other_tenant.admin))
    assert other.status_code == 202


def test_the_jobs_rate_limit_counts_every_job_of_the_request(
    make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    client = client_for(make_app(limits={"jobs": "5/minute"}))
    key = auth(tenant.admin)
    first = client.post(BULK, json={"jobs": [BROADCAST] * 4}, headers=key)
    assert first.status_code == 202 and first.headers["RateLimit-Remaining"] == "1"
    assert_error(
        client.post(BULK, json={"jobs": [BROADCAST] * 2}, headers=key), 429, "rate_limited"
    )
    # One job is left in the window, for either endpoint.
    assert client.post("/api/v1/jobs", json=BROADCAST, headers=key).status_code == 202
    assert_error(client.post("/api/v1/jobs", json=BROADCAST, headers=key), 429, "rate_limited")


def test_a_replayed_request_stages_its_jobs_once(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    headers = {**auth(tenant.admin), "Idempotency-Key": "bulk-1"}
    body = {"jobs": [INVALIDATE, BROADCAST]}
    first = client.post(BULK, json=body, headers=headers)
    again = client.post(BULK, json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json == first.json
    assert count(engine, "jobs") == 2


def test_another_org_cannot_read_the_jobs(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    resp = client.post(BULK, json={"jobs": [BROADCAST]}, headers=auth(tenant.admin))
    job = resp.json["jobs"][0]
    assert_error(client.get(job["links"]["self"], headers=auth(other_tenant.admin)), 404)
    listed = client.get("/api/v1/jobs", headers=auth(other_tenant.admin)).json
    assert listed["items"] == []
