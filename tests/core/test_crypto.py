"""Secrets at rest: encrypt with the first key, decrypt with any, rotate onto the first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core import crypto
from core.crypto import SecretBox, SecretError
from core.notify import webhook_secrets, webhooks
from core.settings import DEV_SECRET_KEY, Settings, SettingsError
from models import PlatformSecret, WebhookEndpoint
from models.db import session_scope
from tests.support.factories import Tenant

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_encrypts_with_the_first_key_and_decrypts_with_any() -> None:
    stored = SecretBox((OLD,)).encrypt("whsec_abc")
    assert "whsec_abc" not in stored and stored.startswith("fernet:")
    assert SecretBox((NEW, OLD)).decrypt(stored) == "whsec_abc"
    newer = SecretBox((NEW, OLD)).encrypt("whsec_abc")
    assert SecretBox((NEW,)).decrypt(newer) == "whsec_abc"
    with pytest.raises(SecretError):
        SecretBox((OLD,)).decrypt(newer)


def test_plaintext_is_refused_not_passed_through() -> None:
    with pytest.raises(SecretError, match="not encrypted"):
        SecretBox((OLD,)).decrypt("whsec_abc")


def test_rotate_moves_a_value_onto_the_first_key() -> None:
    stored = SecretBox((OLD,)).encrypt("v")
    rotated = SecretBox((NEW, OLD)).rotate(stored)
    assert SecretBox((NEW,)).decrypt(rotated) == "v"


def test_settings_keys_dev_default_and_production() -> None:
    assert Settings().secret_keys == (DEV_SECRET_KEY,)
    given = Settings.from_env({"SECRET_KEYS": f"{NEW}, {OLD}"}, env_file=None)
    assert given.secret_keys == (NEW, OLD)
    with pytest.raises(SettingsError, match="SECRET_KEYS must be set"):
        Settings.from_env({"ENVIRONMENT": "production"}, env_file=None)
    with pytest.raises(SettingsError, match="SECRET_KEYS"):
        Settings.from_env({"SECRET_KEYS": "short"}, env_file=None)
    prod = Settings.from_env({"ENVIRONMENT": "production", "SECRET_KEYS": NEW}, env_file=None)
    assert prod.secret_keys == (NEW,)


def test_rotate_all_reencrypts_every_stored_secret(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    old = settings.replace(
        secrets={"keys": (OLD,)}, notify={"webhook_allowed_hosts": ("127.0.0.1",)}
    )
    both = settings.replace(secrets={"keys": (NEW, OLD)})
    new = settings.replace(secrets={"keys": (NEW,)})
    with session_scope(sessions) as s:
        endpoint, secret = webhooks.register(s, tenant.org_id, "http://127.0.0.1:9/", ["*"], old)
        crypto.store(s, old, crypto.VAPID_KEY, "vapid-pem")
    with sessions() as s:
        raw = s.execute(text("SELECT secret FROM webhook_endpoints")).scalar_one()
        assert secret not in raw and raw.startswith("fernet:")
        raw_vapid = s.scalar(select(PlatformSecret.value))
        assert raw_vapid is not None and "vapid-pem" not in raw_vapid
        # Before rotating, the old key (second in the list) still decrypts.
        assert crypto.load(s, both, crypto.VAPID_KEY) == "vapid-pem"
        assert webhook_secrets.signing_secrets(
            s.get_one(WebhookEndpoint, endpoint.id), both, datetime.now(UTC)
        ) == [secret]
        with pytest.raises(SecretError):
            crypto.load(s, new, crypto.VAPID_KEY)
    with session_scope(sessions) as s:
        assert crypto.rotate_all(s, both) == {"webhook_endpoints": 1, "platform_secrets": 1}
    with sessions() as s:
        assert crypto.load(s, new, crypto.VAPID_KEY) == "vapid-pem"
        row = s.get_one(WebhookEndpoint, endpoint.id)
        assert webhook_secrets.signing_secrets(row, new, datetime.now(UTC)) == [secret]
        assert row.secret != raw
