"""Secrets at rest: values SalesHub must read back (webhook secrets, the VAPID key) are
stored encrypted with the keys of ``SECRET_KEYS``.

``cryptography``'s MultiFernet does the work (AES-128-CBC + HMAC-SHA256, authenticated,
timestamped): it encrypts with the first key and decrypts with any, and ``rotate``
re-encrypts a token under the first key. A stored value reads ``fernet:<token>``, so a
plaintext value left behind is recognized (and refused) rather than guessed at.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.settings import Settings
from models import PlatformSecret, WebhookEndpoint

PREFIX = "fernet:"


class SecretError(ValueError):
    """A stored secret cannot be read: not encrypted, or by none of the keys."""


class SecretBox:
    """Encrypts and decrypts stored secrets.

    Parameters:
      keys: Fernet keys; the first encrypts, any decrypts.
    """

    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        """``plaintext`` encrypted under the first key, as stored."""
        return PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """The plaintext of a stored value; :class:`SecretError` if it cannot be read."""
        try:
            return self._fernet.decrypt(self._token(stored)).decode()
        except InvalidToken:
            raise SecretError(
                "stored secret does not decrypt with any key of SECRET_KEYS"
            ) from None

    def rotate(self, stored: str) -> str:
        """``stored`` re-encrypted under the first key (its plaintext unchanged)."""
        try:
            return PREFIX + self._fernet.rotate(self._token(stored)).decode()
        except InvalidToken:
            raise SecretError(
                "stored secret does not decrypt with any key of SECRET_KEYS"
            ) from None

    @staticmethod
    def is_encrypted(stored: str) -> bool:
        """Whether ``stored`` has the form of an encrypted value."""
        return stored.startswith(PREFIX)

    def _token(self, stored: str) -> bytes:
        if not self.is_encrypted(stored):
            raise SecretError("stored secret is not encrypted")
        return stored[len(PREFIX) :].encode()


@functools.lru_cache(maxsize=8)
def _box(keys: tuple[str, ...]) -> SecretBox:
    return SecretBox(keys)


def box(settings: Settings) -> SecretBox:
    """The :class:`SecretBox` of ``settings``' keys (built once per key list)."""
    return _box(settings.secret_keys)


VAPID_KEY = "vapid_private_key"


def store(session: Session, settings: Settings, name: str, plaintext: str) -> None:
    """Keep a platform secret ``name``, encrypted (replacing any value it had)."""
    value = box(settings).encrypt(plaintext)
    session.execute(
        insert(PlatformSecret)
        .values(name=name, value=value)
        .on_conflict_do_update(
            index_elements=["name"], set_={"value": value, "updated_at": func.now()}
        )
    )


def load(session: Session, settings: Settings, name: str) -> str | None:
    """The plaintext of platform secret ``name``, or ``None`` if none is stored."""
    value = session.scalar(select(PlatformSecret.value).where(PlatformSecret.name == name))
    return None if value is None else box(settings).decrypt(value)


def rotate_all(session: Session, settings: Settings) -> dict[str, int]:
    """Re-encrypt every stored secret under the first key; counts per kind.

    Rows are locked while rewritten, so a rotation racing another one (or a webhook secret
    rotation) cannot write back a stale value.
    """
    sealer = box(settings)
    endpoints = session.scalars(select(WebhookEndpoint).with_for_update()).all()
    for endpoint in endpoints:
        endpoint.secret = sealer.rotate(endpoint.secret)
        if endpoint.previous_secret:
            endpoint.previous_secret = sealer.rotate(endpoint.previous_secret)
    platform = session.scalars(select(PlatformSecret).with_for_update()).all()
    for row in platform:
        row.value = sealer.rotate(row.value)
    session.flush()
    return {"webhook_endpoints": len(endpoints), "platform_secrets": len(platform)}
