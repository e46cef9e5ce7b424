"""``/api/v1/webhooks`` and ``/api/v1/me/push-subscriptions``: roles, isolation, bad input."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from flask import Flask
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.notify import webhooks
from core.settings import Settings
from jobs import notify_channels
from models import PushSubscription
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant
from tests.web.helpers import assert_error, count

HOOK = {"url": "http://127.0.0.1:9/hook", "events": ["deal.won", "lead.assigned"]}


def _b64(n: int) -> str:
    raw = b"\x04" + os.urandom(n - 1) if n == 65 else os.urandom(n)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _sub(endpoint: str = "http://127.0.0.1:9/push/abc") -> dict[str, Any]:
    return {"endpoint": endpoint, "keys": {"p256dh": _b64(65), "auth": _b64(16)}}


@pytest.fixture
def api(make_app: Callable[..., Flask]) -> JsonClient:
    return client_for(make_app(notify={"webhook_allowed_hosts": ("127.0.0.1",)}))


def test_admin_registers_lists_and_deletes(api: JsonClient, tenant: Tenant, engine: Engine) -> None:
    resp = api.post("/api/v1/webhooks", json=HOOK, headers=auth(tenant.admin))
    assert resp.status_code == 201, resp.json
    created = resp.json
    assert created["secret"].startswith("whsec_")
    assert {k: created[k] for k in ("url", "events", "enabled")} == {
        "url": HOOK["url"],
        "events": ["deal.won", "lead.assigned"],
        "enabled": True,
    }
    listed = api.get("/api/v1/webhooks", headers=auth(tenant.admin)).json
    assert listed["next_cursor"] is None
    (item,) = listed["items"]
    assert item["id"] == created["id"] and "secret" not in item
    assert (
        api.delete(f"/api/v1/webhooks/{item['id']}", headers=auth(tenant.admin)).status_code == 204
    )
    assert_error(api.delete(f"/api/v1/webhooks/{item['id']}", headers=auth(tenant.admin)), 404)
    assert count(engine, "webhook_endpoints") == 0
    # Both changes are in the audit log, against the endpoint, never with its secret.
    with engine.connect() as conn:
        entries = conn.execute(
            text("SELECT action, target, org_id, details::text FROM audit_log ORDER BY id")
        ).all()
    assert [e[:3] for e in entries] == [
        ("webhook.create", f"webhook:{item['id']}", tenant.org_id),
        ("webhook.delete", f"webhook:{item['id']}", tenant.org_id),
    ]
    assert not any(created["secret"] in e[3] for e in entries)
    assert '"host": "127.0.0.1"' in entries[0][3] and "/hook" not in entries[0][3]


def test_members_may_not_manage_webhooks(api: JsonClient, tenant: Tenant) -> None:
    assert_error(api.post("/api/v1/webhooks", json=HOOK, headers=auth(tenant.member)), 403)
    assert_error(api.get("/api/v1/webhooks", headers=auth(tenant.member)), 403)
    hook_id = api.post("/api/v1/webhooks", json=HOOK, headers=auth(tenant.admin)).json["id"]
    assert_error(api.delete(f"/api/v1/webhooks/{hook_id}", headers=auth(tenant.member)), 403)
    assert_error(
        api.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=auth(tenant.member)), 403
    )


def test_another_orgs_webhook_is_a_404(
    api: JsonClient, tenant: Tenant, other_tenant: Tenant, engine: Engine
) -> None:
    hook_id = api.post("/api/v1/webhooks", json=HOOK, headers=auth(tenant.admin)).json["id"]
    theirs = auth(other_tenant.admin)
    assert_error(api.delete(f"/api/v1/webhooks/{hook_id}", headers=theirs), 404)
    assert_error(api.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=theirs), 404)
    assert api.get("/api/v1/webhooks", headers=theirs).json["items"] == []
    assert count(engine, "webhook_endpoints") == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/",
        "file:///etc/passwd",
    ],
)
def test_refused_urls_are_422(client: JsonClient, tenant: Tenant, engine: Engine, url: str) -> None:
    resp = client.post("/api/v1/webhooks", json={**HOOK, "url": url}, headers=auth(tenant.admin))
    error = assert_error(resp, 422)
    # Generic: the answer never says what the host resolved to.
    assert error["message"] == "URL not allowed"
    assert error["details"] == [{"loc": ["url"], "msg": "URL not allowed", "type": "url_refused"}]
    assert count(engine, "webhook_endpoints") == 0


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://127.0.0.1:9/"},
        {"url": "http://127.0.0.1:9/", "events": []},
        {"url": "http://127.0.0.1:9/", "events": ["Deal Won"]},
        {"url": "http://127.0.0.1:9/", "events": ["x" * 65]},
        {"url": "http://127.0.0.1:9/", "events": "deal.won"},
        {"url": 5, "events": ["*"]},
        {"url": "http://127.0.0.1:9/" + "a" * 2000, "events": ["*"]},
        {"url": "not a url", "events": ["*"]},
        {"url": "http://127.0.0.1:99999/", "events": ["*"]},
        {"url": "http://127.0.0.1:9/", "events": ["*"], "secret": "mine"},
    ],
)
def test_bad_webhook_input_is_4xx(api: JsonClient, tenant: Tenant, body: dict[str, Any]) -> None:
    assert_error(api.post("/api/v1/webhooks", json=body, headers=auth(tenant.admin)), 422)


def test_an_org_has_a_bounded_number_of_webhooks(
    make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    api = client_for(
        make_app(notify={"webhook_allowed_hosts": ("127.0.0.1",), "webhook_max_per_org": 2})
    )
    for _ in range(2):
        assert (
            api.post("/api/v1/webhooks", json=HOOK, headers=auth(tenant.admin)).status_code == 201
        )
    assert_error(api.post("/api/v1/webhooks", json=HOOK, headers=auth(tenant.admin)), 409)


def test_idempotent_registration_never_stores_or_replays_the_secret(
    api: JsonClient, tenant: Tenant, engine: Engine
) -> None:
    headers = auth(tenant.admin, **{"Idempotency-Key": "hook-1"})
    first = api.post("/api/v1/webhooks", json=HOOK, headers=headers)
    again = api.post("/api/v1/webhooks", json=HOOK, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    expected = dict(first.json)
    secret = expected.pop("secret")
    assert again.json == expected
    assert count(engine, "webhook_endpoints") == 1
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT body::text FROM idempotency_keys")).scalar_one()
    assert secret not in stored and "secret" not in orjson.loads(stored)


def test_delivery_log(api: JsonClient, tenant: Tenant, sessions: sessionmaker[Session]) -> None:
    hook_id = api.post("/api/v1/webhooks", json=HOOK, headers=auth(tenant.admin)).json["id"]
    with session_scope(sessions) as s:
        for n in range(3):
            webhooks.emit(
                s,
                org_id=tenant.org_id,
                event_key=f"deal:{n}:won",
                event_type="deal.won",
                payload={"deal_id": n},
                actor=notify_channels.webhook,
            )
    url = f"/api/v1/webhooks/{hook_id}/deliveries"
    page = api.get(f"{url}?limit=2", headers=auth(tenant.admin)).json
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = api.get(f"{url}?limit=2&cursor={page['next_cursor']}", headers=auth(tenant.admin)).json
    items = page["items"] + rest["items"]
    assert sorted(i["event_key"] for i in items) == ["deal:0:won", "deal:1:won", "deal:2:won"]
    assert {(i["status"], i["attempts"], i["event_type"]) for i in items} == {
        ("pending", 0, "deal.won")
    }
    assert api.get(f"{url}?status=delivered", headers=auth(tenant.admin)).json["items"] == []
    assert_error(api.get(f"{url}?status=nope", headers=auth(tenant.admin)), 422)
    assert_error(api.get(f"{url}?cursor=garbage", headers=auth(tenant.admin)), 422)


def test_push_subscribe_and_unsubscribe(api: JsonClient, tenant: Tenant, engine: Engine) -> None:
    body = _sub()
    first = api.post("/api/v1/me/push-subscriptions", json=body, headers=auth(tenant.member))
    assert first.status_code == 201, first.json
    # The same browser again (new keys): the row is taken over, not duplicated.
    again = api.post("/api/v1/me/push-subscriptions", json=_sub(), headers=auth(tenant.member))
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    assert count(engine, "push_subscriptions") == 1
    # Only its owner can remove it.
    query = {"endpoint": body["endpoint"]}
    assert_error(
        api.delete("/api/v1/me/push-subscriptions", query_string=query, headers=auth(tenant.admin)),
        404,
    )
    resp = api.delete(
        "/api/v1/me/push-subscriptions", query_string=query, headers=auth(tenant.member)
    )
    assert resp.status_code == 204
    assert count(engine, "push_subscriptions") == 0
    assert_error(
        api.delete(
            "/api/v1/me/push-subscriptions", query_string=query, headers=auth(tenant.member)
        ),
        404,
    )
    assert_error(api.delete("/api/v1/me/push-subscriptions", headers=auth(tenant.member)), 422)


def test_another_users_push_endpoint_is_not_taken_over(
    api: JsonClient, tenant: Tenant, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    body = _sub()
    mine = api.post("/api/v1/me/push-subscriptions", json=body, headers=auth(tenant.member))
    assert mine.status_code == 201
    for key in (tenant.admin, other_tenant.member):
        theirs = {**_sub(), "endpoint": body["endpoint"]}
        resp = api.post("/api/v1/me/push-subscriptions", json=theirs, headers=auth(key))
        assert_error(resp, 409)
    with sessions() as s:
        row = s.scalars(select(PushSubscription)).one()
    assert (row.user_id, row.p256dh, row.auth) == (
        tenant.member_id,
        body["keys"]["p256dh"],
        body["keys"]["auth"],
    )


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://127.0.0.1:9/p"},
        {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": _b64(65)}},
        {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": _b64(64), "auth": _b64(16)}},
        {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": _b64(65), "auth": "***"}},
        {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": 1, "auth": _b64(16)}},
        {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": "A", "auth": _b64(16)}},
        {**_sub(), "extra": 1},
        {**_sub(), "endpoint": ""},
    ],
)
def test_bad_push_subscriptions_are_422(
    api: JsonClient, tenant: Tenant, body: dict[str, Any]
) -> None:
    resp = api.post("/api/v1/me/push-subscriptions", json=body, headers=auth(tenant.member))
    assert_error(resp, 422)


@pytest.mark.parametrize(
    "endpoint", ["http://localhost:9/p", "http://10.0.0.1/p", "http://169.254.169.254/p"]
)
def test_refused_push_endpoints_are_422(
    api: JsonClient, tenant: Tenant, engine: Engine, endpoint: str
) -> None:
    resp = api.post(
        "/api/v1/me/push-subscriptions", json=_sub(endpoint), headers=auth(tenant.member)
    )
    assert assert_error(resp, 422)["message"] == "URL not allowed"
    assert count(engine, "push_subscriptions") == 0


def test_unauthenticated_is_401(api: JsonClient) -> None:
    assert_error(api.get("/api/v1/webhooks"), 401)
    assert_error(api.post("/api/v1/me/push-subscriptions", json=_sub()), 401)


def test_admin_rotates_a_secret_with_an_overlap(
    api: JsonClient, tenant: Tenant, other_tenant: Tenant, engine: Engine
) -> None:
    created = api.post("/api/v1/webhooks", json=HOOK, headers=auth(tenant.admin)).json
    path = f"/api/v1/webhooks/{created['id']}/rotate-secret"
    assert api.post(path, json={}, headers=auth(tenant.member)).status_code == 403
    assert api.post(path, json={}, headers=auth(other_tenant.admin)).status_code == 404
    resp = api.post(path, json={"overlap_s": 600}, headers=auth(tenant.admin))
    assert resp.status_code == 200, resp.json
    assert resp.json["secret"].startswith("whsec_") and resp.json["secret"] != created["secret"]
    assert resp.json["previous_secret_valid_until"] is not None
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret, previous_secret FROM webhook_endpoints")).one()
    assert resp.json["secret"] not in stored.secret
    assert created["secret"] not in (stored.previous_secret or "")
    assert count(engine, "audit_log", "action = 'webhook.rotate_secret'") == 1


def test_push_subscriptions_go_only_to_known_push_services(
    make_app: Callable[..., Flask], tenant: Tenant, engine: Engine
) -> None:
    strict = client_for(make_app())  # default allow-list, no WEBHOOK_ALLOWED_HOSTS
    for endpoint in (
        "http://127.0.0.1:9/push/abc",
        "https://evil.example.com/push",
        "https://fcm.googleapis.com.evil.example/x",
        "https://notify.windows.com.example/x",
    ):
        error = assert_error(
            strict.post(
                "/api/v1/me/push-subscriptions", json=_sub(endpoint), headers=auth(tenant.member)
            ),
            422,
        )
        assert error["details"][0]["type"] == "push_host_not_allowed"
    assert count(engine, "push_subscriptions") == 0


def test_push_host_allow_list_matching(settings: Settings) -> None:
    from core.notify.push import host_allowed

    assert host_allowed("https://fcm.googleapis.com/fcm/send/x", settings)
    assert host_allowed("https://wns2-db5p.notify.windows.com/w/?token=x", settings)
    assert host_allowed("https://web.push.apple.com/abc", settings)
    assert not host_allowed("https://notify.windows.com/x", settings)  # only its subdomains
    assert not host_allowed("https://FCM.googleapis.com.attacker.test/x", settings)
    assert not host_allowed("not a url", settings)
    local = settings.replace(notify={"push_allowed_hosts": ("push.example.net",)})
    assert host_allowed("https://push.example.net/x", local)
    assert not host_allowed("https://fcm.googleapis.com/x", local)


def test_a_user_holds_a_bounded_number_of_push_subscriptions(
    make_app: Callable[..., Flask], tenant: Tenant
) -> None:
    api = client_for(
        make_app(notify={"webhook_allowed_hosts": ("127.0.0.1",), "push_max_per_user": 2})
    )
    h = auth(tenant.member)
    for n in range(2):
        resp = api.post(
            "/api/v1/me/push-subscriptions", json=_sub(f"http://127.0.0.1:9/p/{n}"), headers=h
        )
        assert resp.status_code == 201
    # Re-subscribing one it holds is fine; a third is not.
    assert (
        api.post(
            "/api/v1/me/push-subscriptions", json=_sub("http://127.0.0.1:9/p/1"), headers=h
        ).status_code
        == 201
    )
    assert_error(
        api.post("/api/v1/me/push-subscriptions", json=_sub("http://127.0.0.1:9/p/2"), headers=h),
        409,
    )
    # Another user has their own budget.
    other = api.post(
        "/api/v1/me/push-subscriptions",
        json=_sub("http://127.0.0.1:9/q"),
        headers=auth(tenant.admin),
    )
    assert other.status_code == 201
