"""Webhook endpoints' signing secrets: new ones, rotation with an overlap, the ones in use.

Secrets are stored encrypted (:mod:`core.crypto`) and shown once, when made.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from core import crypto
from core.settings import Settings
from models import WebhookEndpoint


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
