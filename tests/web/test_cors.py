"""CORS only for the configured origins: preflight answered for them, nothing for others."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import Engine

from core.settings import Settings, SettingsError
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.web.helpers import count

APP = "https://app.example.com"


def _preflight(client: JsonClient, path: str, origin: str, method: str = "POST"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )


@pytest.fixture
def cors(make_app: Callable[..., Flask]) -> JsonClient:
    return client_for(make_app(web={"cors_allowed_origins": (APP, "http://127.0.0.1:3000")}))


def test_no_cors_header_by_default(client: JsonClient, tenant: Tenant) -> None:
    resp = _preflight(client, "/api/v1/companies", APP)
    assert "Access-Control-Allow-Origin" not in resp.headers
    got = client.get("/api/v1/companies", headers={**auth(tenant.member), "Origin": APP})
    assert got.status_code == 200 and "Access-Control-Allow-Origin" not in got.headers


def test_preflight_is_answered_for_an_allowed_origin(cors: JsonClient) -> None:
    resp = _preflight(cors, "/api/v1/companies", APP)
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    allowed = resp.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {
        h.strip() for h in allowed.split(",")
    }
    assert resp.headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in resp.headers
    assert "Origin" in resp.headers.get("Vary", "")


def test_nothing_for_another_origin(cors: JsonClient, tenant: Tenant) -> None:
    for origin in ("https://evil.example", "https://app.example.com.evil.example", "null"):
        resp = _preflight(cors, "/api/v1/companies", origin)
        assert "Access-Control-Allow-Origin" not in resp.headers, origin
        got = cors.get("/api/v1/companies", headers={**auth(tenant.member), "Origin": origin})
        assert "Access-Control-Allow-Origin" not in got.headers
    # No Origin at all: no CORS header either (not the list of allowed origins).
    assert "Access-Control-Allow-Origin" not in cors.get("/api/v1/companies").headers


def test_an_allowed_origins_requests_get_the_headers(cors: JsonClient, tenant: Tenant) -> None:
    got = cors.get("/api/v1/companies", headers={**auth(tenant.member), "Origin": APP})
    assert got.status_code == 200
    assert got.headers["Access-Control-Allow-Origin"] == APP
    assert "ETag" in got.headers["Access-Control-Expose-Headers"]
    # Errors too, so the page can read them.
    denied = cors.get("/api/v1/companies", headers={"Origin": APP})
    assert denied.status_code == 401 and denied.headers["Access-Control-Allow-Origin"] == APP


def test_a_preflight_runs_no_view(cors: JsonClient, tenant: Tenant, engine: Engine) -> None:
    made = cors.post("/api/v1/companies", json={"name": "Acme"}, headers=auth(tenant.admin)).json
    resp = _preflight(cors, f"/api/v1/companies/{made['id']}", APP, method="DELETE")
    assert resp.status_code == 200 and resp.get_data() == b""
    assert count(engine, "companies") == 1


def test_origins_must_be_exact() -> None:
    for bad in ("*", "https://*.example.com", "app.example.com", "https://a.example/path"):
        with pytest.raises(SettingsError, match="not an origin"):
            Settings.from_env({"CORS_ALLOWED_ORIGINS": bad}, env_file=None)
    ok = Settings.from_env({"CORS_ALLOWED_ORIGINS": f"{APP}, http://127.0.0.1:3000"}, env_file=None)
    assert ok.web.cors_allowed_origins == (APP, "http://127.0.0.1:3000")
