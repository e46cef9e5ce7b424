"""Cache analytics for operators: per-namespace series, latency, memory, hottest keys."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from tests.conftest import auth
from tests.support.client import client_for
from tests.support.factories import Tenant
from tests.web.helpers import create_all


def test_hit_rate_over_time_latency_memory_and_hottest_keys(
    make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    client = client_for(make_app(cache={"hit_sample": 1.0}))  # count every hit for the ranking
    create_all(client, tenant.member)
    for _ in range(4):
        client.get("/api/v1/contacts", headers=auth(tenant.member))
    client.get("/api/v1/deals", headers=auth(tenant.member))
    body = client.get("/api/v1/ops/cache", headers=auth(tenant.operator)).json
    assert body["status"] == "up" and body["range"] == "hour" and len(body["t"]) == 60
    contacts = body["namespaces"]["contacts.list"]
    assert (contacts["lookups"][-1], contacts["misses"][-1]) == (4, 1)
    assert contacts["hit_rate"][-1] == 0.75 and contacts["hit_rate"][0] is None
    assert sum(body["latency_ms"]["buckets"].values()) >= 5
    assert body["memory"]["used_bytes"] > 0 and body["keys"] >= 1
    top = body["hottest"][0]
    assert (top["org_id"], top["key"].split(" ")[0], top["hits"]) == (
        tenant.org_id,
        "contacts.list",
        4,
    )
    days = client.get("/api/v1/ops/cache?range=14d", headers=auth(tenant.operator)).json
    assert len(days["t"]) == 336 and days["namespaces"]["contacts.list"]["lookups"][-1] == 4
    assert client.get("/api/v1/ops/cache", headers=auth(tenant.admin)).status_code == 403
