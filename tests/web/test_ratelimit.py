"""Rate limits: per key, per org, per class, failed authentication per address, Redis down."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from core.settings import LimitSettings
from tests.conftest import _free_port, auth
from tests.support.client import client_for
from tests.support.factories import Tenant
from tests.web.helpers import assert_error
from web.ratelimit import FAILURES

COMPANIES = "/api/v1/companies"
HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def _limited(make_app: Callable[..., Flask], **limits: str) -> Flask:
    return make_app(limits=limits)


def test_a_key_past_its_read_limit_gets_429_with_the_headers(
    make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    client = client_for(_limited(make_app, reads="3/minute"))
    remaining = []
    for _ in range(3):
        resp = client.get(COMPANIES, headers=auth(tenant.member))
        assert resp.status_code == 200
        assert resp.headers["RateLimit-Limit"] == "3"
        assert "Retry-After" not in resp.headers
        remaining.append(int(resp.headers["RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    resp = client.get(COMPANIES, headers=auth(tenant.member))
    assert_error(resp, 429, "rate_limited")
    for name in HEADERS:
        assert name in resp.headers, name
    assert resp.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(resp.headers["Retry-After"]) <= 61
    assert 0 <= int(resp.headers["RateLimit-Reset"]) <= 61
    # Another key of the same org has its own budget.
    assert client.get(COMPANIES, headers=auth(tenant.admin)).status_code == 200


def test_the_org_limit_counts_every_key_of_the_org(
    make_app: Callable[..., Flask], tenant: Tenant, other_tenant: Tenant
) -> None:
    client = client_for(_limited(make_app, reads="100/minute", org_reads="4/minute"))
    for key in (tenant.member, tenant.admin, tenant.operator, tenant.member):
        assert client.get(COMPANIES, headers=auth(key)).status_code == 200
    assert_error(client.get(COMPANIES, headers=auth(tenant.admin)), 429, "rate_limited")
    assert client.get(COMPANIES, headers=auth(other_tenant.member)).status_code == 200


def test_each_class_has_its_own_budget(make_app: Callable[..., Flask], tenant: Tenant) -> None:
    client = client_for(_limited(
        make_app, reads="1/minute", writes="1/minute", jobs="1/minute", search="1/minute",
        tickets="1/minute",
    ))  # fmt: skip
    key = auth(tenant.admin)
    calls = [
        lambda: client.get(COMPANIES, headers=key),
        lambda: client.post(COMPANIES, json={"name": "Acme"}, headers=key),
        lambda: client.post("/api/v1/jobs", json={"type": "analytics.rollup"}, headers=key),
        lambda: client.get("/api/v1/search", query_string={"q": "acme"}, headers=key),
        lambda: client.post("/api/v1/ws/ticket", headers=key),
    ]
    for call in calls:
        assert call().status_code < 400
    for call in calls:
        assert_error(call(), 429, "rate_limited")


def test_failed_authentication_is_limited_per_address_and_spares_valid_keys(
    make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    client = client_for(_limited(make_app, auth_failures="3/minute"))
    for headers in ({}, auth("shk_wrong"), auth("shk_wrong")):
        assert_error(client.get(COMPANIES, headers=headers), 401)
    assert_error(client.get(COMPANIES, headers=auth("shk_wrong")), 429, "rate_limited")
    assert_error(client.get(COMPANIES), 429, "rate_limited")
    # Another address is not affected, nor is a valid key from this one, nor /health.
    other = client.get(
        COMPANIES, headers=auth("shk_wrong"), environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert_error(other, 401)
    assert client.get(COMPANIES, headers=auth(tenant.member)).status_code == 200
    assert client.get("/health").status_code in (200, 503)
    assert "RateLimit-Limit" not in client.get("/health").headers


def test_default_limits_apply(make_app: Callable[..., Flask], tenant: Tenant) -> None:
    client = client_for(_limited(make_app))
    resp = client.get(COMPANIES, headers=auth(tenant.member))
    assert resp.headers["RateLimit-Limit"] == LimitSettings().reads.split("/")[0]


def test_limits_off(make_app: Callable[..., Flask], tenant: Tenant) -> None:
    client = client_for(make_app(limits={"enabled": False, "reads": "1/minute"}))
    for _ in range(3):
        resp = client.get(COMPANIES, headers=auth(tenant.member))
        assert resp.status_code == 200
        assert "RateLimit-Limit" not in resp.headers


def test_limiter_redis_down_fails_open_and_is_counted(
    make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    """Requests go through unlimited, and /metrics counts each one let through."""
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    app = make_app(limits={"reads": "1/minute", "storage_url": dead}, web={"metrics_token": "t"})
    client = client_for(app)
    before = FAILURES.failures
    for _ in range(3):
        resp = client.get(COMPANIES, headers=auth(tenant.member))
        assert resp.status_code == 200
        assert "RateLimit-Limit" not in resp.headers
    assert FAILURES.failures >= before + 3
    text = client.get("/metrics", headers=auth("t")).get_data(as_text=True)
    assert "saleshub_rate_limit_errors_total" in text
