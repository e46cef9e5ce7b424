"""``/api/v1/search``, ``/search/suggest``, ``/search/analytics``: contract, bad input,
isolation, analytics recorded off the request path."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from core import search
from core.search.query_stats import EVENTS_KEY
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.search import add_contacts, titles
from tests.web.helpers import assert_error

PATHS = ("/api/v1/search", "/api/v1/search/suggest")


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    search.CACHE.clear()
    yield
    search.CACHE.clear()


@pytest.fixture
def indexed(sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant) -> None:
    with session_scope(sessions) as s:
        add_contacts(s, tenant.org_id, ["Ingrid Bergström", "Ingmar Berg", "Paolo Rossi"])
        add_contacts(s, other_tenant.org_id, ["Ingrid Secret", "Bergström Hidden"])
    for org in (tenant.org_id, other_tenant.org_id):
        with session_scope(sessions) as s:
            search.reindex_org(s, org)


def _search(client: JsonClient, key: str, q: str, path: str = "/api/v1/search") -> dict:
    resp = client.get(path, query_string={"q": q}, headers=auth(key))
    assert resp.status_code == 200, resp.json
    body = resp.json
    resp.close()  # as the server does once it has sent the body: analytics are recorded
    assert isinstance(body, dict)
    return body


def test_search_answers_the_contract(client: JsonClient, tenant: Tenant, indexed: None) -> None:
    resp = client.get(
        "/api/v1/search",
        query_string={"q": "ingrid berg", "types": "contacts"},
        headers=auth(tenant.member),
    )
    assert resp.status_code == 200
    body = resp.json
    assert set(body) == {"items", "query", "took_ms"} and body["query"] == "ingrid berg"
    top = body["items"][0]
    assert {"type", "id", "title", "subtitle", "score", "matched_field", "highlights"} <= set(top)
    assert top["title"] == "Ingrid Bergström" and 0 < top["score"] <= 1
    assert top["highlights"][0]["ranges"] == [[0, 6], [7, 11]]
    limited = client.get("/api/v1/search?q=ing&limit=1", headers=auth(tenant.member)).json
    assert len(limited["items"]) == 1
    suggest = client.get("/api/v1/search/suggest?q=ingm", headers=auth(tenant.member)).json
    assert [i["text"] for i in suggest["items"]] == ["Ingmar Berg"]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": ""},
        {"q": "   \t "},
        {"q": "x" * 201},
        {"q": "ok", "types": "contact,planet"},
        {"q": "ok", "types": ","},
        {"q": "ok", "limit": "0"},
        {"q": "ok", "limit": "51"},
        {"q": "ok", "limit": "ten"},
        {"q": "a\x00b"},
        {"q": "ok", "unknown": "1"},
    ],
)
def test_bad_input_is_422(client: JsonClient, tenant: Tenant, query: dict[str, str]) -> None:
    for path in PATHS:
        assert_error(client.get(path, query_string=query, headers=auth(tenant.member)), 422)


def test_bad_filters_are_422(client: JsonClient, tenant: Tenant) -> None:
    for extra in ("stage=closed", "status=dead", "owner_id=0", "owner_id=x"):
        resp = client.get(f"/api/v1/search?q=ok&{extra}", headers=auth(tenant.member))
        assert_error(resp, 422)


def test_any_unicode_is_never_a_5xx(client: JsonClient, tenant: Tenant, indexed: None) -> None:
    samples = [
        "😀🔥👩‍👩‍👧",
        "مرحبا بالعالم",
        "\u202eIngrid\u202c",
        "e\u0301\u0301\u0301" * 20,
        "ﷺ" * 200,
        "%",
        "'; DROP TABLE contacts; --",
        "a:* & !b | (c",
        "\\",
        "' or ''='",
        "\ufffd",
        "ß" * 200,
        "İstanbul",
        "x" * 200,
        "  ingrid  ",
    ]
    rng = random.Random(11)
    for _ in range(60):
        samples.append("".join(chr(rng.randrange(1, 0x2FFFF)) for _ in range(rng.randrange(1, 30))))
    for q in samples:
        q = "".join(c for c in q if not 0xD800 <= ord(c) <= 0xDFFF and c != "\x00")
        for path in PATHS:
            resp = client.get(path, query_string={"q": q}, headers=auth(tenant.member))
            assert resp.status_code in (200, 422), (q, resp.status_code, resp.json)
    # Undecodable bytes in the URL are replaced, never a crash.
    resp = client.get("/api/v1/search?q=%ff%fe%00", headers=auth(tenant.member))
    assert resp.status_code in (200, 422)


def test_results_suggestions_and_analytics_stay_in_their_org(
    client: JsonClient,
    tenant: Tenant,
    other_tenant: Tenant,
    indexed: None,
    sessions: sessionmaker[Session],
    broker_redis: redis.Redis,
) -> None:
    for q in ("ingrid", "bergström", "bergstrom", "ingird", "berg", "in", "secret", "hidden"):
        mine = _search(client, tenant.member, q)
        assert not {"Ingrid Secret", "Bergström Hidden"} & set(titles(mine["items"]))
        theirs = _search(client, other_tenant.member, q, "/api/v1/search/suggest")
        assert not {"Ingrid Bergström", "Ingmar Berg", "Paolo Rossi"} & {
            i["text"] for i in theirs["items"]
        }
    with session_scope(sessions) as s:
        search.rollup(s, broker_redis)
    a = client.get("/api/v1/search/analytics", headers=auth(tenant.admin)).json
    b = client.get("/api/v1/search/analytics", headers=auth(other_tenant.admin)).json
    assert a["searches"] == 8 and b["searches"] == 0
    assert {q["query"] for q in a["zero_result_queries"]} == {"secret", "hidden"}
    assert b["top_queries"] == []


def test_analytics_are_buffered_then_rolled_up(
    client: JsonClient,
    tenant: Tenant,
    indexed: None,
    sessions: sessionmaker[Session],
    broker_redis: redis.Redis,
) -> None:
    for q in ("Ingrid", "ingrid", "INGRID ", "paolo", "nobody here", "😀"):
        _search(client, tenant.member, q)
    # One buffered event per search with words (the emoji-only query has none).
    assert broker_redis.llen(EVENTS_KEY) == 5
    broker_redis.rpush(EVENTS_KEY, b"not json")
    with session_scope(sessions) as s:
        assert search.rollup(s, broker_redis, batch=2) == {"events": 5}
    assert broker_redis.llen(EVENTS_KEY) == 0
    assert_error(client.get("/api/v1/search/analytics", headers=auth(tenant.member)), 403)
    assert_error(client.get("/api/v1/search/analytics?days=0", headers=auth(tenant.admin)), 422)
    report = client.get("/api/v1/search/analytics?days=1", headers=auth(tenant.admin)).json
    assert report["searches"] == 5 and report["zero_result_searches"] == 1
    assert report["top_queries"][0] == {"query": "ingrid", "count": 3}
    assert report["zero_result_queries"] == [{"query": "nobody here", "count": 1}]
    latency = report["latency_ms"]
    assert latency["p50"] is not None and latency["p50"] <= latency["p95"] <= latency["p99"]
    # Popular queries feed suggestions.
    suggest = client.get("/api/v1/search/suggest?q=ing", headers=auth(tenant.member)).json
    assert suggest["items"][0] == {"kind": "query", "text": "ingrid", "count": 3}
