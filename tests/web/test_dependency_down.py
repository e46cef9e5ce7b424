"""A dependency down or hanging answers 503 with ``Retry-After``, within a bound, never 500."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonResponse, client_for
from tests.support.factories import Tenant, make_tenant
from tests.web.helpers import MINIMAL, RESOURCES

CLOSED_DB = "postgresql+psycopg://x@127.0.0.1:1/x"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never answers a byte (a hung server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def org(sessions: sessionmaker[Session]) -> Tenant:
    with session_scope(sessions) as session:
        return make_tenant(session, "Outage")


def calls(key: str) -> list[tuple[str, str, dict[str, object] | None]]:
    """Reads and writes of every kind an API client makes."""
    out: list[tuple[str, str, dict[str, object] | None]] = []
    for name in RESOURCES:
        out += [
            ("GET", f"/api/v1/{name}", None),
            ("GET", f"/api/v1/{name}/1", None),
            ("POST", f"/api/v1/{name}", MINIMAL[name]),
            ("PATCH", f"/api/v1/{name}/1", {}),
            ("DELETE", f"/api/v1/{name}/1", None),
        ]
    out += [
        ("GET", "/api/v1/jobs", None),
        ("POST", "/api/v1/jobs", {"type": "analytics.rollup"}),
        ("GET", "/api/v1/search?q=ada", None),
        ("GET", "/api/v1/notifications", None),
        ("GET", "/api/v1/analytics/dashboard", None),
        ("GET", "/api/v1/me/notification-preferences", None),
        ("GET", "/api/v1/ops/queues", None),
    ]
    return out


def assert_unavailable(resp: JsonResponse) -> None:
    assert resp.status_code == 503, resp.get_data(as_text=True)
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.json is not None
    assert resp.json["error"]["code"] == "unavailable"
    assert resp.json["error"]["details"]["dependency"] == "database"


def test_every_call_is_503_when_postgresql_is_down(
    make_app: Callable[..., Flask], org: Tenant
) -> None:
    client = client_for(make_app(database={"url": CLOSED_DB}))
    for method, path, body in calls(org.admin):
        resp = client.open(path, method=method, json=body, headers=auth(org.admin))
        assert_unavailable(resp)


def test_a_postgresql_that_never_answers_is_503_within_the_connect_timeout(
    make_app: Callable[..., Flask], org: Tenant, silent_port: int
) -> None:
    url = f"postgresql+psycopg://x@127.0.0.1:{silent_port}/x"
    client = client_for(make_app(database={"url": url, "connect_timeout_s": 2}))
    for path in ("/api/v1/deals", "/api/v1/companies/1"):
        start = time.monotonic()
        resp = client.get(path, headers=auth(org.member))
        assert_unavailable(resp)
        assert time.monotonic() - start < 6  # libpq's floor is 2 s


def test_a_statement_past_the_statement_timeout_is_503(
    make_app: Callable[..., Flask], org: Tenant, engine: Engine
) -> None:
    client = client_for(make_app(database={"statement_timeout_ms": 300}))
    h = auth(org.member)
    assert client.post("/api/v1/deals", json={"title": "warm"}, headers=h).status_code == 201
    with engine.connect() as conn, conn.begin():
        conn.execute(text("LOCK TABLE deals IN ACCESS EXCLUSIVE MODE"))
        start = time.monotonic()
        resp = client.post("/api/v1/deals", json={"title": "blocked"}, headers=h)
        elapsed = time.monotonic() - start
    assert_unavailable(resp)
    assert elapsed < 3
    # Once the lock is gone the same call works: the pool did not keep a broken connection.
    assert client.post("/api/v1/deals", json={"title": "after"}, headers=h).status_code == 201


def test_a_broker_redis_that_never_answers_does_not_hang_or_fail_writes(
    make_app: Callable[..., Flask], org: Tenant, silent_port: int
) -> None:
    broker = {"url": f"redis://127.0.0.1:{silent_port}/0", "socket_timeout_s": 0.5}
    client = client_for(make_app(broker=broker))
    h = auth(org.admin)
    start = time.monotonic()
    deal = client.post("/api/v1/deals", json={"title": "t"}, headers=h)
    job = client.post("/api/v1/jobs", json={"type": "analytics.rollup"}, headers=h)
    assert deal.status_code == 201
    # The job is staged in PostgreSQL (202), or refused as the contract allows (503).
    assert job.status_code in (202, 503), job.get_data(as_text=True)
    if job.status_code == 503:
        assert int(job.headers["Retry-After"]) > 0
    assert time.monotonic() - start < 10
    health = client.get("/health")
    assert health.status_code == 503 and health.json["redis"]["status"] == "down"


def test_cache_redis_that_never_answers_still_serves_reads_from_postgresql(
    make_app: Callable[..., Flask], org: Tenant, silent_port: int
) -> None:
    cache = {"url": f"redis://127.0.0.1:{silent_port}/0", "timeout_ms": 200}
    client = client_for(make_app(cache=cache))
    h = auth(org.member)
    created = client.post("/api/v1/contacts", json={"first_name": "Ada"}, headers=h)
    assert created.status_code == 201
    start = time.monotonic()
    listed = client.get("/api/v1/contacts", headers=h)
    assert listed.status_code == 200
    assert [c["first_name"] for c in listed.json["items"]] == ["Ada"]
    assert time.monotonic() - start < 5
