"""``/api/v1/jobs``: start, list, read and cancel jobs; staging is transactional."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask, Response, g, request
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.outbox import stage
from jobs.analytics import rollup
from jobs.registry import CONTRACT_TYPES, JOB_TYPES
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.web.helpers import assert_error, count, snapshot
from web.auth import authenticate, principal
from web.errors import ApiError
from web.ext import db
from web.http import json_response
from web.idempotency import transactional

JOBS = "/api/v1/jobs"
FIELDS = {
    "id", "type", "status", "progress", "result", "error", "attempts", "params", "queue",
    "batch_id", "created_at", "updated_at", "dispatched_at", "started_at", "finished_at", "links",
}  # fmt: skip
NOT_YET = [t for t in CONTRACT_TYPES if t not in JOB_TYPES]
BROADCAST = {"type": "notifications.broadcast", "params": {"title": "hello"}}


def _start(client: JsonClient, key: str, body: Any = None) -> dict[str, Any]:
    # Broadcasts are not unique (a rollup would answer with the queued one: test_jobs_dedupe).
    resp = client.post(JOBS, json=body or BROADCAST, headers=auth(key))
    assert resp.status_code == 202, resp.json
    job: dict[str, Any] = resp.json
    return job


def test_starting_a_job_stages_it(client: JsonClient, engine: Engine, tenant: Tenant) -> None:
    resp = client.post(JOBS, json={"type": "analytics.rollup"}, headers=auth(tenant.member))
    assert resp.status_code == 202
    job = resp.json
    assert set(job) == FIELDS
    assert job["status"] == "queued" and job["type"] == "analytics.rollup"
    assert job["attempts"] == 0 and job["progress"] == 0 and job["params"] == {}
    assert job["links"]["self"] == f"{JOBS}/{job['id']}"
    assert resp.headers["Location"] == job["links"]["self"]
    uuid.UUID(job["id"])
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT * FROM jobs WHERE id = :id"), {"id": uuid.UUID(job["id"])}
        ).one()
    # Staged in the outbox: the relay (not running here) has not sent it.
    assert row.dispatched_at is None and row.status == "queued"
    assert row.org_id == tenant.org_id and row.created_by == tenant.member_id
    assert row.actor == "analytics.rollup"
    assert row.message["args"] == [tenant.org_id]
    assert row.message["message_id"] == job["id"]


def test_get_one_and_list(client: JsonClient, tenant: Tenant) -> None:
    first = _start(client, tenant.admin)
    second = _start(client, tenant.operator)
    got = client.get(f"{JOBS}/{first['id']}", headers=auth(tenant.member))
    assert got.status_code == 200 and got.json == first
    listed = client.get(JOBS, headers=auth(tenant.member)).json
    assert [j["id"] for j in listed["items"]] == [second["id"], first["id"]]
    assert listed["next_cursor"] is None


def test_list_filters(client: JsonClient, tenant: Tenant) -> None:
    kept = _start(client, tenant.admin)
    gone = _start(client, tenant.admin)
    client.post(f"{JOBS}/{gone['id']}/cancel", headers=auth(tenant.admin))
    h = auth(tenant.member)
    queued = client.get(f"{JOBS}?status=queued", headers=h).json["items"]
    canceled = client.get(f"{JOBS}?status=canceled", headers=h).json["items"]
    assert [j["id"] for j in queued] == [kept["id"]]
    assert [j["id"] for j in canceled] == [gone["id"]]
    assert client.get(f"{JOBS}?type=search.reindex", headers=h).json["items"] == []
    assert len(client.get(f"{JOBS}?type=notifications.broadcast", headers=h).json["items"]) == 2


@pytest.mark.parametrize("job_type", ["bogus", "analytics", "ANALYTICS.ROLLUP", *NOT_YET])
def test_unknown_and_unavailable_types_are_422_naming_the_known_ones(
    client: JsonClient, engine: Engine, tenant: Tenant, job_type: str
) -> None:
    resp = client.post(JOBS, json={"type": job_type}, headers=auth(tenant.admin))
    error = assert_error(resp, 422)
    for known in JOB_TYPES:
        assert known in error["message"]
    assert error["details"]["known_types"] == sorted(JOB_TYPES)
    if job_type in NOT_YET:
        assert "not available yet" in error["message"]
    assert count(engine, "jobs") == 0


@pytest.mark.parametrize("params", [{"unknown": 1}, {"org_id": 2}, {"tags": ["x"]}, {"": None}])
def test_bad_params_are_422(
    client: JsonClient, engine: Engine, tenant: Tenant, params: dict[str, Any]
) -> None:
    body = {"type": "analytics.rollup", "params": params}
    error = assert_error(client.post(JOBS, json=body, headers=auth(tenant.member)), 422)
    assert error["message"] == "invalid params"
    assert error["details"][0]["loc"] == [next(iter(params))]
    assert count(engine, "jobs") == 0


def test_cancel_then_cancel_again(client: JsonClient, engine: Engine, tenant: Tenant) -> None:
    job = _start(client, tenant.member, {"type": "analytics.rollup"})
    url = f"{JOBS}/{job['id']}/cancel"
    first = client.post(url, headers=auth(tenant.admin))
    assert first.status_code == 200
    assert first.json["status"] == "canceled" and first.json["finished_at"] is not None
    assert client.get(f"{JOBS}/{job['id']}", headers=auth(tenant.member)).json == first.json
    before = snapshot(engine)
    error = assert_error(client.post(url, headers=auth(tenant.admin)), 409, "conflict")
    assert "canceled" in error["message"]
    assert snapshot(engine) == before


def test_a_running_job_cannot_be_canceled(
    client: JsonClient, engine: Engine, tenant: Tenant
) -> None:
    job = _start(client, tenant.member, {"type": "analytics.rollup"})
    with engine.begin() as conn:
        conn.execute(text("UPDATE jobs SET status = 'running'"))
    error = assert_error(client.post(f"{JOBS}/{job['id']}/cancel", headers=auth(tenant.admin)), 409)
    assert "running" in error["message"]
    assert count(engine, "jobs", "status = 'running'") == 1


def _stage_then_maybe_fail() -> Response:
    # The shape of every write view: stage in the request's transaction, then fail.
    g.principal = authenticate()

    @transactional
    def view() -> Response:
        org_id = principal().org_id
        job_id = stage(db(), rollup, job_type="analytics.rollup", org_id=org_id, args=(org_id,))
        db().flush()
        if request.args.get("fail") == "1":
            raise ApiError(422, "failed after staging")
        return json_response({"id": str(job_id)}, 202)

    result: Response = view()
    return result


def test_a_job_staged_by_a_request_that_then_fails_leaves_no_row(
    app: Flask, engine: Engine, tenant: Tenant
) -> None:
    app.add_url_rule("/probe", "probe", _stage_then_maybe_fail, methods=["POST"])
    client = client_for(app)
    assert_error(client.post("/probe?fail=1", headers=auth(tenant.member)), 422)
    assert count(engine, "jobs") == 0
    # Without the failure the same path commits its job: the 0 above is the rollback.
    ok = client.post("/probe?fail=0", headers=auth(tenant.member))
    assert ok.status_code == 202
    assert count(engine, "jobs", "id = :id", id=uuid.UUID(ok.json["id"])) == 1


def _walk(client: JsonClient, key: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        url = f"{JOBS}?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        resp = client.get(url, headers=auth(key))
        assert resp.status_code == 200, resp.json
        pages.append([j["id"] for j in resp.json["items"]])
        cursor = resp.json["next_cursor"]
        if cursor is None:
            return pages


def test_paging_returns_each_job_once_even_with_equal_timestamps(
    client: JsonClient, sessions: sessionmaker[Session], engine: Engine, tenant: Tenant
) -> None:
    # One transaction: now() is the same for all seven rows.
    with session_scope(sessions) as session:
        for _ in range(7):
            stage(session, rollup, job_type="analytics.rollup", org_id=tenant.org_id, args=(1,))
    assert count(engine, "jobs") == 7
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT created_at) FROM jobs")).scalar() == 1
    pages = _walk(client, tenant.member, 3)
    assert [len(p) for p in pages] == [3, 3, 1]
    ids = [i for p in pages for i in p]
    with engine.connect() as conn:
        expected = [
            str(r[0])
            for r in conn.execute(text("SELECT id FROM jobs ORDER BY created_at DESC, id DESC"))
        ]
    assert ids == expected


def test_paging_jobs_started_one_by_one(client: JsonClient, tenant: Tenant) -> None:
    started = [_start(client, tenant.admin)["id"] for _ in range(7)]
    pages = _walk(client, tenant.member, 3)
    assert [i for p in pages for i in p] == started[::-1]
