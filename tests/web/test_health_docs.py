"""``/health``, ``/openapi.json`` and ``/docs``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.queueing.relay import HEARTBEAT_KEY
from core.settings import VERSION
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import make_tenant
from tests.web.helpers import RESOURCES, count

CLOSED_DB = "postgresql+psycopg://x@127.0.0.1:1/x"
CLOSED_REDIS = "redis://127.0.0.1:1/0"
DEPENDENCIES = ("database", "redis", "cache")


def test_health_when_everything_is_up(client: JsonClient) -> None:
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
    resp = client_for(make_app(**changes)).get("/health")
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
    client = client_for(app)
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
def document(client: JsonClient) -> dict[str, Any]:
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
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
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


def _operations(app: Flask) -> Iterator[tuple[str, str, Any]]:
    """(OpenAPI path, method, rule) of every route of the contract, from the URL map."""
    for rule in app.url_map.iter_rules():
        skipped = ("/docs", "/openapi.json", "/static/")
        if getattr(rule, "websocket", False) or rule.rule.startswith(skipped):
            continue
        path = re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield path, method.lower(), rule


def _envelope(doc: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    schema = response["content"]["application/json"]["schema"]
    resolved: dict[str, Any] = _resolve(doc, schema["$ref"])
    return resolved


def test_every_operation_documents_what_it_can_answer(
    client: JsonClient, document: dict[str, Any]
) -> None:
    operations = list(_operations(client.application))
    assert len(operations) > 60
    for path, method, rule in operations:
        op = document["paths"][path][method]
        where = f"{method.upper()} {path}"
        responses = op["responses"]
        assert any(code.startswith("2") for code in responses), where
        expected = {"404"} if rule.arguments else set()
        if path.startswith("/api/v1/"):
            expected |= {"401", "403", "503"}
            if method in ("post", "put", "patch"):
                expected |= {"400", "409", "413", "415", "422"}
            assert op.get("security", document["security"]) == [{"bearer": []}], where
        assert expected <= set(responses), (where, expected - set(responses))
        for code, response in responses.items():
            if code.startswith(("4", "5")) and path != "/health":
                error = _envelope(document, response)["properties"]["error"]
                assert error["required"] == ["code", "message", "details"], (where, code)
        for param in op.get("parameters", []):
            if param["in"] == "path":
                schema = param["schema"]
                assert schema.get("type") in ("integer", "string"), (where, param)
                converter = type(rule._converters[param["name"]]).__name__
                if converter == "IdConverter":
                    assert schema["type"] == "integer" and schema["minimum"] == 1, where
                if converter == "UUIDConverter":
                    assert schema == {"type": "string", "format": "uuid"}, where
    paths = document["paths"]
    assert {"200", "503"} <= set(paths["/health"]["get"]["responses"])
    assert paths["/health"]["get"]["security"] == []
    assert {"200", "401", "403"} <= set(paths["/metrics"]["get"]["responses"])
    assert "text/html" in paths["/ops"]["get"]["responses"]["200"]["content"]
    assert "429" in paths["/api/v1/jobs"]["post"]["responses"]
    assert "202" in paths["/api/v1/jobs"]["post"]["responses"]
    assert not any(name.startswith("ValidationError") for name in document["components"]["schemas"])


def test_a_validation_error_matches_its_documented_envelope(
    client: JsonClient, tenant: Any
) -> None:
    resp = client.post("/api/v1/companies", json={}, headers=auth(tenant.member))
    assert resp.status_code == 422
    assert set(resp.json) == {"error"} and set(resp.json["error"]) == {"code", "message", "details"}


def test_docs_is_a_page_of_our_own_assets(client: JsonClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in a for a in assets)
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset  # no CDN: the page works offline
        resp = client.get(asset)
        assert resp.status_code == 200 and len(resp.get_data()) > 100, asset
    script = client.get("/docs/assets/docs.js").get_data(as_text=True)
    assert '"/openapi.json"' in script
    assert client.get("/openapi.json").status_code == 200


def test_the_favicon_is_an_icon(client: JsonClient) -> None:
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200 and resp.mimetype == "image/x-icon"
    body = resp.get_data()
    # ICONDIR: reserved 0, type 1 (icon), one image, whose data is a PNG.
    assert body[:6] == b"\x00\x00\x01\x00\x01\x00" and body[22:30] == b"\x89PNG\r\n\x1a\n"
    assert "max-age=86400" in resp.headers["Cache-Control"]


def test_health_reports_the_relay_and_is_503_when_it_went_silent(
    make_app: Callable[..., Flask], broker_redis: Any
) -> None:
    client = client_for(make_app(broker={"relay_silent_s": 30}))
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
