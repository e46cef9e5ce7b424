"""``/health``, ``/openapi.json`` and ``/docs``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.relay import HEARTBEAT_KEY
from core.settings import VERSION
from models.db import session_scope
from tests.conftest import auth
from tests.support.factories import make_tenant
from tests.web.helpers import RESOURCES, count

CLOSED_DB = "postgresql+psycopg://x@127.0.0.1:1/x"
CLOSED_REDIS = "redis://127.0.0.1:1/0"
DEPENDENCIES = ("database", "redis", "cache")


def test_health_when_everything_is_up(client: FlaskClient) -> None:
    resp = client.get("/health")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.json
    assert {"status", "uptime", "environment", "version", *DEPENDENCIES} <= set(body)
    assert body["status"] == "ok"
    for name in DEPENDENCIES:
        assert body[name]["status"] == "up", body
        assert body[name]["latency_ms"] >= 0
    assert isinstance(body["uptime"], int | float) and body["uptime"] >= 0
    assert body["environment"] == "test" and body["version"] == VERSION
    assert "Retry-After" not in resp.headers


@pytest.mark.parametrize(
    ("changes", "down"),
    [({"database": {"url": CLOSED_DB}}, "database"), ({"cache": {"url": CLOSED_REDIS}}, "cache")],
    ids=["database", "cache"],
)
def test_health_is_503_when_a_dependency_is_down(
    make_app: Callable[..., Flask], changes: dict[str, dict[str, str]], down: str
) -> None:
    resp = make_app(**changes).test_client().get("/health")
    assert resp.status_code == 503
    assert int(resp.headers["Retry-After"]) > 0
    body = resp.json
    assert body["status"] == "degraded"
    assert body[down]["status"] == "down" and body[down]["error"]
    for name in set(DEPENDENCIES) - {down}:
        assert body[name]["status"] == "up"
    # The host or credentials of the URL are not echoed to an unauthenticated caller.
    assert "127.0.0.1:1" not in resp.get_data(as_text=True)


def test_with_the_broker_down_health_is_503_and_writes_still_stage_their_jobs(
    make_app: Callable[..., Flask], sessions: sessionmaker[Session], engine: Engine
) -> None:
    # The web process starts (and restarts) during a broker outage: jobs go to the outbox.
    app = make_app(broker={"url": CLOSED_REDIS})
    with session_scope(sessions) as session:
        tenant = make_tenant(session, "Outage")
    client = app.test_client()
    health = client.get("/health")
    assert health.status_code == 503 and health.json["redis"]["status"] == "down"
    assert health.json["database"]["status"] == "up"
    h = auth(tenant.member)
    assert client.post("/api/v1/deals", json={"title": "t"}, headers=h).status_code == 201
    job = client.post("/api/v1/jobs", json={"type": "analytics.rollup"}, headers=h)
    assert job.status_code == 202
    staged = "org_id = :org AND status = 'queued' AND dispatched_at IS NULL AND type = :type"
    for job_type in ("analytics.rollup", "search.index"):  # from the deal write and the POST
        assert count(engine, "jobs", staged, org=tenant.org_id, type=job_type) >= 1


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    resp = client.get("/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc: dict[str, Any] = resp.json
    return doc


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_openapi_is_a_valid_openapi_3_document(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.[01]\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"] == VERSION
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }
    for ref in _refs(document):
        assert isinstance(_resolve(document, ref), dict), ref
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    for path, item in document["paths"].items():
        assert path.startswith("/")
        templated = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            assert method in methods, (path, method)
            params = op.get("parameters", [])
            in_path = {p["name"] for p in params if p["in"] == "path"}
            assert in_path == templated, (path, method)
            for p in params:
                assert p["in"] in {"query", "header", "path", "cookie"} and "schema" in p
                assert p["in"] != "path" or p["required"] is True
            for code in op.get("responses", {}):
                assert re.fullmatch(r"[1-5]\d\d|default", code), code


def test_openapi_describes_the_crud_contract(document: dict[str, Any]) -> None:
    paths = document["paths"]
    for name in RESOURCES:
        assert {"get", "post"} <= set(paths[f"/api/v1/{name}"]), name
        assert {"get", "patch", "delete"} <= set(paths[f"/api/v1/{name}/{{item_id}}"]), name
        listing = {p["name"] for p in paths[f"/api/v1/{name}"]["get"]["parameters"]}
        assert {"limit", "cursor", "sort"} <= listing
    for path in ("/api/v1/jobs", "/api/v1/jobs/{job_id}", "/api/v1/jobs/{job_id}/cancel"):
        assert path in paths
    # The request schema is the one that validates: CompanyIn's fields and requirements.
    post = paths["/api/v1/companies"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    schema = _resolve(document, schema["$ref"]) if "$ref" in schema else schema
    assert schema["required"] == ["name"]
    assert {"name", "domain", "industry", "size", "city", "country", "owner_id"} == set(
        schema["properties"]
    )
    assert schema["additionalProperties"] is False


def test_docs_redirect_to_a_page_that_loads(client: FlaskClient) -> None:
    resp = client.get("/docs")
    assert resp.status_code in (301, 302, 307, 308)
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "swagger" in html.lower()
    # The page loads its document from a URL that answers it.
    urls = re.findall(r'url:\s*"([^"]+)"', html)
    assert urls
    spec = client.get(urls[0])
    assert spec.status_code == 200 and "/api/v1/companies" in spec.json["paths"]


def test_health_reports_the_relay_and_is_503_when_it_went_silent(
    make_app: Callable[..., Flask], broker_redis: Any
) -> None:
    client = make_app(broker={"relay_silent_s": 30}).test_client()
    body = client.get("/health").json
    assert body["relay"]["status"] == "unknown" and body["relay"]["lag_s"] == 0  # never ran
    broker_redis.set(HEARTBEAT_KEY, json.dumps({"at": time.time() - 5, "restarts": 2}))
    resp = client.get("/health")
    assert resp.status_code == 200
    relay = resp.json["relay"]
    assert relay["status"] == "up" and relay["restarts"] == 2
    assert 4 < relay["last_heartbeat_age_s"] < 30
    broker_redis.set(HEARTBEAT_KEY, json.dumps({"at": time.time() - 31, "restarts": 2}))
    resp = client.get("/health")
    assert resp.status_code == 503 and int(resp.headers["Retry-After"]) > 0
    assert resp.json["status"] == "degraded" and resp.json["relay"]["status"] == "down"
