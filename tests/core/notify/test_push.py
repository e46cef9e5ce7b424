"""Web Push against a fake push service on loopback: VAPID, encryption, 410 cleanup, 4 KB."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import crypto
from core.notify import push
from core.settings import Settings
from jobs import notify_channels, runtime
from models import Delivery, Notification, PushSubscription
from models.db import session_scope
from tests.core.notify.test_ssrf import Receiver, Seen
from tests.support.factories import Tenant


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Browser:
    """A browser's push subscription keys, able to decrypt what it receives."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = _b64(point)

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        data: dict[str, Any] = json.loads(plain)
        return data


def _answer(seen: Seen) -> tuple[int, dict[str, str], bytes]:
    status = {"/ok": 201, "/gone": 410, "/missing": 404, "/broken": 500}[seen.path.split("?")[0]]
    return status, {}, b""


@pytest.fixture
def service() -> Iterator[Receiver]:
    with Receiver(answer=_answer) as r:
        yield r


@pytest.fixture
def vapid() -> Vapid:
    key = Vapid()
    key.generate_keys()
    return key


@pytest.fixture
def conf(settings: Settings, vapid: Vapid) -> Settings:
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return settings.replace(
        notify={
            "webhook_allowed_hosts": ("127.0.0.1",),
            "vapid_private_key": _b64(raw),
            "vapid_subject": "mailto:ops@example.com",
        },
        web={"public_url": "https://app.example.com"},
    )


def _notify(
    sessions: sessionmaker[Session], tenant: Tenant, *, body: str = "Acme: proposal → won"
) -> int:
    with session_scope(sessions) as s:
        note = Notification(
            org_id=tenant.org_id,
            user_id=tenant.member_id,
            event_key="deal:1:won",
            category="deal.won",
            urgency="high",
            title="Deal won: Acme",
            body=body,
            data={"url": "/deals/1"},
            routing=[],
        )
        s.add(note)
        s.flush()
        delivery = Delivery(
            notification_id=note.id, user_id=tenant.member_id, channel="push", status="pending"
        )
        s.add(delivery)
        s.flush()
        return delivery.id


def _subscribe(
    sessions: sessionmaker[Session], tenant: Tenant, endpoint: str, browser: Browser
) -> None:
    with session_scope(sessions) as s:
        s.add(
            PushSubscription(
                user_id=tenant.member_id,
                endpoint=endpoint,
                p256dh=browser.p256dh,
                auth=_b64(browser.auth),
            )
        )


def _send(
    sessions: sessionmaker[Session], conf: Settings, delivery_id: int
) -> dict[str, Any] | None:
    with session_scope(sessions) as s:
        return push.send(s, delivery_id, conf)


def _state(sessions: sessionmaker[Session], delivery_id: int) -> tuple[Any, ...]:
    with sessions() as s:
        d = s.get_one(Delivery, delivery_id)
        return d.status, d.reason, d.attempts, d.last_error


def _endpoints(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        return sorted(s.scalars(select(PushSubscription.endpoint)))


def test_sent_to_live_subscriptions_and_gone_ones_removed(
    conf: Settings,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    service: Receiver,
    vapid: Vapid,
) -> None:
    browser, old = Browser(), Browser()
    _subscribe(sessions, tenant, service.url("/ok"), browser)
    _subscribe(sessions, tenant, service.url("/gone"), old)
    _subscribe(sessions, tenant, service.url("/missing"), old)
    delivery_id = _notify(sessions, tenant)
    outcome = _send(sessions, conf, delivery_id)
    assert outcome == {
        "delivery_id": delivery_id,
        "sent": 1,
        "removed": 2,
        "failed": 0,
        "status": "sent",
    }
    assert _state(sessions, delivery_id) == ("sent", None, 1, None)
    assert _endpoints(sessions) == [service.url("/ok")]
    ok = next(s for s in service.seen if s.path == "/ok")
    with sessions() as s:
        note_id = s.get_one(Delivery, delivery_id).notification_id
    assert browser.decrypt(ok.body) == {
        "title": "Deal won: Acme",
        "body": "Acme: proposal → won",
        "url": "https://app.example.com/deals/1",
        "id": note_id,
        "category": "deal.won",
        "urgency": "high",
    }
    assert ok.headers["content-encoding"] == "aes128gcm"
    assert int(ok.headers["ttl"]) == push.TTL_S
    # VAPID (RFC 8292): a JWT for this push service's origin, with our public key.
    scheme, _, params = ok.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    claims = json.loads(base64.urlsafe_b64decode(fields["t"].split(".")[1] + "=="))
    assert claims["aud"] == f"http://127.0.0.1:{service.port}"
    assert claims["sub"] == "mailto:ops@example.com"
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert fields["k"] == _b64(public)
    # A redelivered message sends nothing more.
    before = len(service.seen)
    assert _send(sessions, conf, delivery_id) is None
    assert len(service.seen) == before


def test_payload_fits_in_one_push_message(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver
) -> None:
    browser = Browser()
    _subscribe(sessions, tenant, service.url("/ok"), browser)
    delivery_id = _notify(sessions, tenant, body="Ünïcödé 💥 " * 2000)
    assert _send(sessions, conf, delivery_id) is not None
    (seen,) = service.seen
    assert len(seen.body) <= push.MAX_RECORD
    data = browser.decrypt(seen.body)
    assert data["body"].endswith("…") and data["body"].startswith("Ünïcödé 💥")
    assert data["title"] == "Deal won: Acme"


def test_payload_trims_body_then_title() -> None:
    small = push.payload(title="t", body="b", url="/")
    assert json.loads(small) == {"title": "t", "body": "b", "url": "/"}
    cut = push.payload(title="T" * 300, body="B" * 5000, url="/", limit=200)
    data = json.loads(cut)
    assert len(cut) <= 200 and data["body"] == "" and data["title"].endswith("…")
    # The longest body that fits: one more character would not.
    exact = json.loads(push.payload(title="t", body="x" * 100, url="/", limit=60))
    kept = exact["body"][:-1]
    assert len(push.payload(title="t", body=kept + "x…", url="/", limit=1000)) > 60
    with pytest.raises(ValueError, match="cannot be cut"):
        push.payload(title="t", body="b", url="/" * 100, limit=50)


def test_failures_are_recorded(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver
) -> None:
    _subscribe(sessions, tenant, service.url("/broken"), Browser())
    delivery_id = _notify(sessions, tenant)
    outcome = _send(sessions, conf, delivery_id)
    assert outcome is not None and outcome["failed"] == 1
    assert _state(sessions, delivery_id) == ("failed", None, 1, "HTTP 500")
    assert _endpoints(sessions) == [service.url("/broken")]  # kept: it may recover


def test_only_expired_subscriptions_is_skipped(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver
) -> None:
    _subscribe(sessions, tenant, service.url("/gone"), Browser())
    delivery_id = _notify(sessions, tenant)
    _send(sessions, conf, delivery_id)
    assert _state(sessions, delivery_id)[:2] == ("skipped", "push subscriptions expired")
    assert _endpoints(sessions) == []


def test_skipped_without_subscription_or_vapid_key(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver
) -> None:
    delivery_id = _notify(sessions, tenant)
    _send(sessions, conf, delivery_id)
    assert _state(sessions, delivery_id) == ("skipped", "no push subscription", 0, None)
    with session_scope(sessions) as s:
        s.get_one(Delivery, delivery_id).status = "pending"
    _subscribe(sessions, tenant, service.url("/ok"), Browser())
    _send(sessions, conf.replace(notify={"vapid_private_key": ""}), delivery_id)
    assert _state(sessions, delivery_id)[:2] == ("skipped", "no VAPID key configured")
    assert service.seen == []


def test_push_endpoints_are_ssrf_checked(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver
) -> None:
    # Allowed: 127.0.0.1; refused: a name resolving to loopback, and a private address.
    _subscribe(sessions, tenant, service.url("/ok", host="localhost"), Browser())
    _subscribe(sessions, tenant, "http://10.0.0.1/push", Browser())
    delivery_id = _notify(sessions, tenant)
    # Both hosts on the push allow-list: the SSRF check behind it still refuses them.
    listed = conf.replace(notify={"push_allowed_hosts": ("localhost", "10.0.0.1")})
    outcome = _send(sessions, listed, delivery_id)
    assert outcome is not None and outcome["failed"] == 2
    status, _, _, error = _state(sessions, delivery_id)
    assert status == "failed" and error.startswith("RefusedUrl: ")
    assert service.seen == []


def test_stored_subscriptions_off_the_allow_list_are_not_called(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver
) -> None:
    _subscribe(sessions, tenant, service.url("/ok", host="localhost"), Browser())
    delivery_id = _notify(sessions, tenant)
    outcome = _send(sessions, conf.replace(notify={"webhook_allowed_hosts": ()}), delivery_id)
    assert outcome is not None and outcome["failed"] == 1
    status, _, _, error = _state(sessions, delivery_id)
    assert status == "failed" and error == "push host not allowed"
    assert service.seen == []


def test_an_invalid_vapid_key_fails_the_delivery(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver
) -> None:
    _subscribe(sessions, tenant, service.url("/ok"), Browser())
    delivery_id = _notify(sessions, tenant)
    _send(sessions, conf.replace(notify={"vapid_private_key": "bm90IGEga2V5"}), delivery_id)
    status, _, _, error = _state(sessions, delivery_id)
    assert status == "failed" and "VAPID_PRIVATE_KEY" in error
    assert service.seen == []


def test_the_actor_sends(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver
) -> None:
    runtime.init(conf, sessions)
    browser = Browser()
    _subscribe(sessions, tenant, service.url("/ok"), browser)
    delivery_id = _notify(sessions, tenant)
    outcome = notify_channels.push(delivery_id)
    assert outcome is not None and outcome["status"] == "sent"
    assert browser.decrypt(service.seen[0].body)["title"] == "Deal won: Acme"


def test_the_stored_encrypted_vapid_key_is_used_before_the_setting(
    conf: Settings, sessions: sessionmaker[Session], tenant: Tenant, service: Receiver, vapid: Vapid
) -> None:

    with session_scope(sessions) as s:
        crypto.store(s, conf, crypto.VAPID_KEY, vapid.private_pem().decode())
    _subscribe(sessions, tenant, service.url("/ok"), Browser())
    delivery_id = _notify(sessions, tenant)
    # No key in the environment: the stored one signs.
    outcome = _send(sessions, conf.replace(notify={"vapid_private_key": ""}), delivery_id)
    assert outcome is not None and outcome["sent"] == 1
    (seen,) = service.seen
    scheme, _, params = seen.headers["authorization"].partition(" ")
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert scheme == "vapid" and _b64(public) in params
