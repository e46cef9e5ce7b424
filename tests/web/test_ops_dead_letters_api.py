"""Dead letters over the API: server paging, the dry-run count, confirmed bulk actions,
the detail with its traceback, and the audit log view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from models import AuditEntry
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.deadletters import seed
from tests.support.factories import Tenant


@pytest.fixture
def letters(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.broker.url)
    ns = settings.broker.namespace
    seed(client, ns, "default", [float(i) for i in range(60)], actor="a.one")
    seed(client, ns, "email", [100.0 + i for i in range(5)], actor="a.two", error="SMTPError")
    yield client


def test_pages_with_a_cursor_and_totals(
    client: JsonClient, tenant: Tenant, letters: redis.Redis
) -> None:
    h = auth(tenant.operator)
    first = client.get("/api/v1/ops/dead-letters?limit=20", headers=h).json
    assert first["total"] == 65 and len(first["items"]) == 20
    assert [d["queue"] for d in first["items"][:5]] == ["email"] * 5  # newest first
    seen = [d["message_id"] for d in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/ops/dead-letters?limit=20&cursor={cursor}", headers=h).json
        seen += [d["message_id"] for d in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 65
    bad = client.get("/api/v1/ops/dead-letters?cursor=xyz", headers=h)
    assert bad.status_code == 422
    filtered = client.get("/api/v1/ops/dead-letters?q=smtperror", headers=h).json
    assert len(filtered["items"]) == 5 and filtered["total"] is None


def test_bulk_purge_needs_the_confirmed_count_and_is_audited(
    client: JsonClient, tenant: Tenant, letters: redis.Redis, sessions: sessionmaker[Session]
) -> None:
    h = auth(tenant.operator)
    dry = client.get("/api/v1/ops/dead-letters/count?actor=a.one", headers=h).json
    assert dry["count"] == 60
    unconfirmed = client.post("/api/v1/ops/dead-letters/purge", json={"actor": "a.one"}, headers=h)
    assert unconfirmed.status_code == 422
    stale = client.post(
        "/api/v1/ops/dead-letters/purge", json={"actor": "a.one", "expected_count": 59}, headers=h
    )
    assert stale.status_code == 409 and stale.json["error"]["details"] == {"count": 60}
    ok = client.post(
        "/api/v1/ops/dead-letters/purge", json={"actor": "a.one", "expected_count": 60}, headers=h
    )
    assert ok.json == {"purged": 60}
    assert client.get("/api/v1/ops/dead-letters/count", headers=h).json["count"] == 5
    with sessions() as s:
        entries = list(s.scalars(select(AuditEntry)))
    assert [(a.action, a.details["count"], a.details["actor"]) for a in entries] == [
        ("dead_letter.purge_matching", 60, "a.one")
    ]


def test_detail_shows_the_full_traceback(
    client: JsonClient, tenant: Tenant, letters: redis.Redis
) -> None:
    h = auth(tenant.operator)
    one = client.get("/api/v1/ops/dead-letters?queue=email&limit=1", headers=h).json["items"][0]
    assert "traceback" not in one
    detail = client.get(f"/api/v1/ops/dead-letters/{one['message_id']}", headers=h).json
    assert detail["traceback"].startswith("Traceback\n  frame\nSMTPError")
    assert client.get("/api/v1/ops/dead-letters/nope", headers=h).status_code == 404
    assert (
        client.get("/api/v1/ops/dead-letters/count", headers=auth(tenant.admin)).status_code == 403
    )


def test_the_audit_log_is_paged_newest_first_and_names_who(
    client: JsonClient, tenant: Tenant, letters: redis.Redis
) -> None:
    h = auth(tenant.operator)
    ids = [
        d["message_id"]
        for d in client.get("/api/v1/ops/dead-letters?limit=3", headers=h).json["items"]
    ]
    for mid in ids:
        assert client.delete(f"/api/v1/ops/dead-letters/{mid}", headers=h).status_code == 204
    page = client.get("/api/v1/ops/audit?limit=2", headers=h).json
    assert [e["target"] for e in page["items"]] == ids[::-1][:2]
    assert page["items"][0]["user_email"] == "operator@org-a.test"
    assert page["items"][0]["details"]["queue"] == "email"
    rest = client.get(f"/api/v1/ops/audit?limit=2&cursor={page['next_cursor']}", headers=h).json
    assert [e["target"] for e in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    only = client.get("/api/v1/ops/audit?action=dead_letter.purge_matching", headers=h).json
    assert only["items"] == []
    assert client.get("/api/v1/ops/audit", headers=auth(tenant.admin)).status_code == 403
