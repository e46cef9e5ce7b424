"""Security headers on every page, ``/metrics`` access, and the headers' policy itself."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask, Response

from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.web.helpers import assert_error
from web.security import CONTENT_SECURITY_POLICY


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def _html_pages(client: JsonClient) -> list[str]:
    """Every HTML page the app serves: each GET rule without arguments answering HTML."""
    found = []
    for rule in client.application.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments:
            continue
        resp = client.get(rule.rule, follow_redirects=True)
        if resp.mimetype == "text/html":
            found.append(rule.rule)
    return found


def test_every_html_page_has_the_headers(client: JsonClient) -> None:
    pages = _html_pages(client)
    assert {"/ops", "/docs", "/live"} <= set(pages)
    for path in pages:
        resp = client.get(path)
        policy = resp.headers["Content-Security-Policy"]
        directives = _directives(policy)
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, path
        # Nothing inline is let through by a hash or a nonce either: one policy for all.
        assert "'sha" not in policy and "'nonce-" not in policy, path
        assert policy == CONTENT_SECURITY_POLICY, path
        assert directives["script-src"] == ["'self'"], path
        assert directives["style-src"] == ["'self'"], path
        assert directives["frame-ancestors"] == ["'none'"], path
        assert directives["object-src"] == ["'none'"], path
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        assert resp.headers["Referrer-Policy"] == "no-referrer", path
        assert resp.headers["X-Frame-Options"] == "DENY", path


def test_pages_allow_only_their_own_files(client: JsonClient) -> None:
    for page in _html_pages(client):
        # Their scripts and styles are files of their own, served here: nothing inline,
        # which the policy would block.
        html = client.get(page).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), page
        assert "<style" not in html.lower() and "style=" not in html.lower(), page
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), page  # onclick=...
        assert "javascript:" not in html.lower(), page
        assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', html)), page
        for src in re.findall(r'(?:src|href)="(/[^"]+)"', html):
            assert client.get(src).status_code == 200, (page, src)


def test_json_answers_are_not_sniffed(client: JsonClient) -> None:
    resp = client.get("/health")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in resp.headers


def test_inline_code_in_a_page_is_never_allowed(make_app: Callable[..., Flask]) -> None:
    """The policy does not follow the page: an injected inline block stays blocked."""
    app = make_app()

    @app.get("/inline-page")
    def inline_page() -> Response:
        html = "<script>alert(1)</script><style>p{}</style><p style='x' onclick='y()'>"
        return Response(html, mimetype="text/html")

    resp = client_for(app).get("/inline-page")
    assert resp.status_code == 200
    policy = resp.headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = _directives(policy)
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]


@pytest.fixture
def token_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(web={"metrics_token": "scrape-me"})


def test_metrics_need_an_operator_or_the_token(token_app: Flask, tenant: Tenant) -> None:
    client = client_for(token_app)
    assert_error(client.get("/metrics"), 401)
    assert_error(client.get("/metrics", headers=auth("wrong-token")), 401)
    assert_error(client.get("/metrics", headers=auth("scrape-mé")), 401)
    assert_error(client.get("/metrics", headers=auth(tenant.member)), 403)
    assert_error(client.get("/metrics", headers=auth(tenant.admin)), 403)
    for key in ("scrape-me", tenant.operator):
        resp = client.get("/metrics", headers=auth(key))
        assert resp.status_code == 200 and "saleshub_queue_ready" in resp.get_data(as_text=True)


def test_without_a_token_only_operators_read_metrics(client: JsonClient, tenant: Tenant) -> None:
    assert_error(client.get("/metrics", headers={"Authorization": "Bearer "}), 401)
    assert client.get("/metrics", headers=auth(tenant.operator)).status_code == 200
