"""Cached GET endpoints: headers, ETag/304, read-your-writes across processes, org isolation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.conftest import auth
from tests.support.client import JsonClient, JsonResponse, client_for
from tests.support.factories import Tenant
from tests.web.helpers import MINIMAL, RESOURCES, UPDATES, assert_error, create_all


def test_answers_miss_then_hit_with_validators(client: JsonClient, tenant: Tenant) -> None:
    contact = create_all(client, tenant.member)["contacts"]
    url = "/api/v1/contacts?limit=10"
    first = client.get(url, headers=auth(tenant.member))
    second = client.get(url, headers=auth(tenant.member))
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert first.json == second.json == {"items": [contact], "next_cursor": None}
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("private")
    # A created row's detail was computed right after its commit: the first read hits.
    detail = client.get(f"/api/v1/contacts/{contact['id']}", headers=auth(tenant.member))
    assert detail.headers["X-Cache"] == "HIT" and detail.json == contact


def test_etag_round_trip(client: JsonClient, tenant: Tenant) -> None:
    create_all(client, tenant.member)
    url = "/api/v1/deals?limit=10"
    etag = client.get(url, headers=auth(tenant.member)).headers["ETag"]
    for validator in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        resp = client.get(url, headers=auth(tenant.member, **{"If-None-Match": validator}))
        assert resp.status_code == 304, validator
        assert resp.get_data() == b"" and resp.headers["ETag"] == etag
    other = client.get(url, headers=auth(tenant.member, **{"If-None-Match": '"nope"'}))
    assert other.status_code == 200 and other.json["items"]
    # After a write the validator no longer matches: the client gets the new answer.
    deal_id = other.json["items"][0]["id"]
    client.patch(f"/api/v1/deals/{deal_id}", json={"title": "Renamed"}, headers=auth(tenant.member))
    fresh = client.get(url, headers=auth(tenant.member, **{"If-None-Match": etag}))
    assert fresh.status_code == 200 and fresh.json["items"][0]["title"] == "Renamed"


@pytest.mark.parametrize("refresh", [True, False], ids=["refresh-on-write", "no-refresh"])
@pytest.mark.parametrize("name", RESOURCES)
def test_read_your_writes_across_web_processes(
    name: str, refresh: bool, make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    config = {"refresh_on_write": refresh}
    reader = client_for(make_app(cache=config))
    writer = client_for(make_app(cache=config))
    key = auth(tenant.member)
    row = writer.post(f"/api/v1/{name}", json=MINIMAL[name], headers=key).json
    detail, listing = f"/api/v1/{name}/{row['id']}", f"/api/v1/{name}?limit=5"
    for url in (detail, listing, detail, listing):
        reader.get(url, headers=key)
    assert reader.get(detail, headers=key).headers["X-Cache"] == "HIT"
    patched = writer.patch(detail, json=UPDATES[name], headers=key)
    assert patched.status_code == 200
    got = reader.get(detail, headers=key)
    assert got.json == patched.json
    # Refreshed by the writer right after its commit, or recomputed by this read.
    assert got.headers["X-Cache"] == ("HIT" if refresh else "MISS")
    assert reader.get(listing, headers=key).json["items"][0] == patched.json
    assert writer.delete(detail, headers=key).status_code == 204
    assert_error(reader.get(detail, headers=key), 404)
    assert reader.get(listing, headers=key).json["items"] == []


def test_read_your_writes_on_the_dashboard(make_app: Callable[..., Flask], tenant: Tenant) -> None:
    reader, writer = client_for(make_app()), client_for(make_app())
    key = auth(tenant.member)
    url = "/api/v1/analytics/dashboard"
    before = reader.get(url, headers=key)
    assert reader.get(url, headers=key).headers["X-Cache"] == "HIT"
    assert before.json["pipeline"]["won"]["count"] == 0
    deal = writer.post("/api/v1/deals", json={"title": "Big", "amount": "10.00"}, headers=key).json
    writer.patch(f"/api/v1/deals/{deal['id']}", json={"stage": "won"}, headers=key)
    after = reader.get(url, headers=key).json
    assert after["pipeline"]["won"] == {"count": 1, "amount": "10.00"}
    assert after["pipeline"]["lead"]["count"] == 0


def test_orgs_never_see_each_others_cached_answers(
    client: JsonClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = create_all(client, tenant.member)
    theirs = create_all(client, other_tenant.member)
    for url in ("/api/v1/contacts?limit=5", "/api/v1/analytics/dashboard"):
        a = [client.get(url, headers=auth(tenant.member)) for _ in range(2)]
        b = client.get(url, headers=auth(other_tenant.member))
        assert a[1].headers["X-Cache"] == "HIT" and b.headers["X-Cache"] == "MISS"
    lists = [
        client.get("/api/v1/contacts?limit=5", headers=auth(t.member)).json["items"]
        for t in (tenant, other_tenant)
    ]
    assert lists == [[mine["contacts"]], [theirs["contacts"]]]
    url = f"/api/v1/contacts/{mine['contacts']['id']}"
    assert client.get(url, headers=auth(tenant.member)).status_code == 200
    assert_error(client.get(url, headers=auth(other_tenant.member)), 404)


def test_parameters_that_change_the_answer_make_the_key(client: JsonClient, tenant: Tenant) -> None:
    for i in range(3):
        client.post("/api/v1/leads", json={"name": f"L{i}"}, headers=auth(tenant.member))
    get = lambda q: client.get(f"/api/v1/leads{q}", headers=auth(tenant.member))  # noqa: E731
    assert get("").headers["X-Cache"] == "MISS"
    assert get("?limit=50&sort=-created_at").headers["X-Cache"] == "HIT"  # the defaults
    two = get("?limit=2")
    assert two.headers["X-Cache"] == "MISS" and len(two.json["items"]) == 2
    page = get(f"?limit=2&cursor={two.json['next_cursor']}")
    assert page.headers["X-Cache"] == "MISS" and len(page.json["items"]) == 1
    assert get("?sort=name").json["items"][0]["name"] == "L0"
    assert_error(get("?bogus=1"), 422)
    assert_error(get("?limit=0"), 422)


def test_errors_are_not_cached(client: JsonClient, tenant: Tenant) -> None:
    for _ in range(2):
        resp = client.get("/api/v1/contacts/424242", headers=auth(tenant.member))
        assert_error(resp, 404)
        assert "X-Cache" not in resp.headers


def test_cached_answers_equal_uncached_ones(
    client: JsonClient, make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    rows = create_all(client, tenant.member)
    off = client_for(make_app(cache={"enabled": False}))
    urls = [f"/api/v1/{n}/{rows[n]['id']}" for n in RESOURCES]
    urls += [f"/api/v1/{n}?limit=3" for n in RESOURCES] + ["/api/v1/analytics/dashboard"]
    for url in urls:
        client.get(url, headers=auth(tenant.member))
        hit = client.get(url, headers=auth(tenant.member))
        plain = off.get(url, headers=auth(tenant.member))
        assert hit.headers["X-Cache"] == "HIT" and plain.headers["X-Cache"] == "MISS"
        assert hit.get_data() == plain.get_data(), url


def test_cache_stats(client: JsonClient, tenant: Tenant, other_tenant: Tenant) -> None:
    create_all(client, tenant.member)
    for _ in range(3):
        client.get("/api/v1/contacts", headers=auth(tenant.member))
    client.get("/api/v1/contacts", headers=auth(other_tenant.member))
    assert_error(client.get("/api/v1/cache/stats", headers=auth(tenant.member)), 403)
    # An admin sees their org's figures, and nothing of the platform's.
    stats = client.get("/api/v1/cache/stats", headers=auth(tenant.admin)).json
    listing = stats["namespaces"]["contacts.list"]
    assert (listing["hits"], listing["misses"], listing["hit_rate"]) == (2, 1, 0.6667)
    assert stats["status"] == "up" and stats["enabled"] is True and stats["scope"] == "org"
    assert "keys" not in stats and "memory" not in stats
    assert sum(stats["latency_ms"]["buckets"].values()) == 3
    theirs = client.get("/api/v1/cache/stats", headers=auth(other_tenant.admin)).json
    assert (theirs["hits"], theirs["misses"]) == (0, 1)
    # An admin may name their own org, not another one: that answers as a missing org does.
    mine = client.get(f"/api/v1/cache/stats?org_id={tenant.org_id}", headers=auth(tenant.admin))
    assert mine.json["namespaces"]["contacts.list"]["hits"] == 2
    missing_id = other_tenant.org_id + 1000
    for org_id in (other_tenant.org_id, missing_id):
        url = f"/api/v1/cache/stats?org_id={org_id}"
        theirs_or_none = client.get(url, headers=auth(tenant.admin))
        assert_error(theirs_or_none, 404)
        assert theirs_or_none.json["error"]["message"] == "organization not found"
    # An operator sees the platform, or one org.
    platform = client.get("/api/v1/cache/stats", headers=auth(tenant.operator)).json
    assert platform["scope"] == "platform"
    assert (platform["namespaces"]["contacts.list"]["misses"], platform["hits"]) == (2, 2)
    assert platform["keys"] >= 1 and platform["memory"]["used_bytes"] > 0
    one = client.get(
        f"/api/v1/cache/stats?org_id={other_tenant.org_id}", headers=auth(tenant.operator)
    ).json
    assert one["scope"] == "org" and (one["hits"], one["misses"]) == (0, 1)
    missing = client.get(f"/api/v1/cache/stats?org_id={missing_id}", headers=auth(tenant.operator))
    assert_error(missing, 404)
    # Ids no bigint holds are refused as such, for every role, never a 500.
    for org_id in (2**63, 2**64 + 1, 10**40, 0, -1, "x"):  # type: ignore[assignment]
        for key in (tenant.admin, tenant.operator):
            bad = client.get(f"/api/v1/cache/stats?org_id={org_id}", headers=auth(key))
            assert_error(bad, 422)
    ok = client.get(f"/api/v1/cache/stats?org_id={2**63 - 1}", headers=auth(tenant.operator))
    assert_error(ok, 404)  # the largest id is valid, and no org has it


def test_cache_jobs_are_started_by_admins(client: JsonClient, tenant: Tenant) -> None:
    def start(key: str, job_type: str, params: object) -> JsonResponse:
        body = {"type": job_type, "params": params}
        return client.post("/api/v1/jobs", json=body, headers=auth(key))

    assert start(tenant.admin, "cache.warm", {}).status_code == 202
    ok = start(tenant.admin, "cache.invalidate", {"tags": ["list:contacts", "contacts:7"]})
    assert ok.status_code == 202 and ok.json["params"]["tags"] == ["list:contacts", "contacts:7"]
    assert start(tenant.admin, "cache.invalidate", {"pattern": "contacts.*"}).status_code == 202
    assert_error(start(tenant.member, "cache.invalidate", {"tags": ["dashboard"]}), 403)
    for bad in ({}, {"tags": [], "pattern": "x"}, {"tags": ["Bad Tag"]}, {"pattern": "a b"}):
        assert_error(start(tenant.admin, "cache.invalidate", bad), 422)
