"""Webhook secrets: stored encrypted, rotated with an overlap signed by both secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook, WebhookVerificationError

from core.notify import webhook_secrets, webhooks
from core.settings import Settings
from models import WebhookDelivery, WebhookEndpoint
from models.db import session_scope
from tests.support.factories import Tenant

URL = "http://127.0.0.1:9/hook"


def _endpoint(
    sessions: sessionmaker[Session], settings: Settings, tenant: Tenant
) -> tuple[int, str]:
    with session_scope(sessions) as s:
        allowed = settings.replace(notify={"webhook_allowed_hosts": ("127.0.0.1",)})
        endpoint, secret = webhooks.register(s, tenant.org_id, URL, ["*"], allowed)
        return endpoint.id, secret


def _signed(
    sessions: sessionmaker[Session], settings: Settings, endpoint_id: int, now: datetime
) -> tuple[bytes, dict[str, str]]:
    with sessions() as s:
        endpoint = s.get_one(WebhookEndpoint, endpoint_id)
        delivery = WebhookDelivery(
            endpoint_id=endpoint_id, event_key="k", event_type="deal.won", payload={"a": 1}
        )
        return webhook_secrets.signed_request(endpoint, delivery, now, settings)


def test_the_stored_secret_is_not_plaintext(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    endpoint_id, secret = _endpoint(sessions, settings, tenant)
    with sessions() as s:
        raw = s.execute(
            text("SELECT secret::text FROM webhook_endpoints WHERE id = :id"), {"id": endpoint_id}
        ).scalar_one()
        (dumped,) = s.execute(text("SELECT row_to_json(w)::text FROM webhook_endpoints w")).one()
    assert secret not in raw and secret[len("whsec_") :] not in dumped
    body, headers = _signed(sessions, settings, endpoint_id, datetime.now(UTC))
    assert Webhook(secret).verify(body, headers)


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    endpoint_id, old = _endpoint(sessions, settings, tenant)
    # Rotated 59 minutes ago with an hour of overlap (standardwebhooks checks the signed
    # timestamp against the clock, so attempts are signed at the real time).
    rotated = datetime.now(UTC) - timedelta(minutes=59)
    with session_scope(sessions) as s:
        new = webhook_secrets.rotate_secret(
            s.get_one(WebhookEndpoint, endpoint_id), settings, rotated, overlap_s=3600
        )
    assert new != old
    # During the overlap: two space-separated signatures; a receiver with either verifies.
    body, headers = _signed(sessions, settings, endpoint_id, datetime.now(UTC))
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(body, headers)
    # After it: the new secret alone.
    later = rotated + timedelta(hours=1, seconds=1)
    body, headers = _signed(sessions, settings, endpoint_id, later)
    assert len(headers["webhook-signature"].split(" ")) == 1
    with session_scope(sessions) as s:
        s.get_one(WebhookEndpoint, endpoint_id).previous_secret_until = datetime.now(UTC)
    body, headers = _signed(sessions, settings, endpoint_id, datetime.now(UTC))
    Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)


def test_rotation_without_overlap_drops_the_old_secret_at_once(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    endpoint_id, old = _endpoint(sessions, settings, tenant)
    now = datetime.now(UTC)
    with session_scope(sessions) as s:
        endpoint = s.get_one(WebhookEndpoint, endpoint_id)
        new = webhook_secrets.rotate_secret(endpoint, settings, now, overlap_s=0)
        assert endpoint.previous_secret is None
    body, headers = _signed(sessions, settings, endpoint_id, now)
    Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)
