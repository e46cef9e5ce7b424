"""Webhook endpoints' signing secrets (new ones, rotation with an overlap, the ones in use)
and the signed requests of attempts (Standard Webhooks).

Secrets are stored encrypted (:mod:`core.crypto`) and shown once, when made.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import datetime, timedelta

from standardwebhooks import Webhook

from core import crypto
from core.settings import Settings
from models import WebhookDelivery, WebhookEndpoint

USER_AGENT = "SalesHub-Webhooks/1"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def rotate_secret(
    endpoint: WebhookEndpoint,
    settings: Settings,
    now: datetime,
    *,
    overlap_s: int | None = None,
) -> str:
    """Give ``endpoint`` a new secret and return it (to be shown once).

    Deliveries are signed with the old secret too for ``overlap_s`` (default
    ``WEBHOOK_SECRET_OVERLAP_S``), so a receiver can switch secrets without dropping any;
    a secret from an overlap still running is dropped at once.
    """
    overlap = settings.secrets.webhook_overlap_s if overlap_s is None else overlap_s
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret if overlap > 0 else None
    endpoint.previous_secret_until = now + timedelta(seconds=overlap) if overlap > 0 else None
    endpoint.secret = crypto.box(settings).encrypt(secret)
    return secret


def signing_secrets(endpoint: WebhookEndpoint, settings: Settings, now: datetime) -> list[str]:
    """The secrets an attempt is signed with now: the current one, then any still overlapping."""
    box = crypto.box(settings)
    found = [box.decrypt(endpoint.secret)]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > now:
        found.append(box.decrypt(endpoint.previous_secret))
    return found


def message_id(org_id: int, event_key: str) -> str:
    """The ``webhook-id``: the same for every attempt of an event, so receivers can dedupe."""
    return "msg_" + hashlib.sha256(f"{org_id}:{event_key}".encode()).hexdigest()[:32]


def signed_request(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime, settings: Settings
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt, signed per Standard Webhooks.

    During a rotation's overlap ``webhook-signature`` carries one signature per secret,
    space-separated (the new one first): a receiver holding either verifies it.
    """
    body = json.dumps(
        {"type": delivery.event_type, "timestamp": now.isoformat(), "data": delivery.payload},
        separators=(",", ":"),
        sort_keys=True,
    )
    msg_id = message_id(endpoint.org_id, delivery.event_key)
    signature = " ".join(
        Webhook(secret).sign(msg_id, now, body)
        for secret in signing_secrets(endpoint, settings, now)
    )
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers
