"""API keys: minted once, stored as SHA-256, presented as ``Authorization: Bearer``."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import g, request
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models import ApiKey, Organization, User
from web.errors import ApiError, not_found
from web.ext import db, resources
from web.request_log import bind_caller

KEY_PREFIX = "shk_"
# ``last_used_at`` is written at most this often per key, so reads stay reads.
LAST_USED_EVERY = timedelta(minutes=1)
ROLE_RANK = {"member": 0, "admin": 1, "operator": 2}
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")
# RFC 9110: a 401 names the scheme that would be accepted.
CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling.

    Parameters:
      user_id: the user's id.
      org_id: the user's organization; every query is scoped by it.
      role: ``member``, ``admin`` or ``operator``.
      key_id: the API key it authenticated with; for a websocket opened with a ticket, the
        key that minted the ticket.
    """

    user_id: int
    org_id: int
    role: str
    key_id: int | None = None


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def mint_key(
    session: Session, user: User, *, name: str = "", expires_at: datetime | None = None
) -> str:
    """Create an API key for ``user``; the plain key is returned once and never stored."""
    return create_key(session, user, name=name, expires_at=expires_at)[1]


def create_key(
    session: Session, user: User, *, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Create an API key for ``user``: the row (flushed) and the plain key, shown once."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        user_id=user.id, name=name, prefix=key[:12], key_hash=hash_key(key), expires_at=expires_at
    )
    session.add(row)
    session.flush()
    return row, key


def usable_key(now: Any) -> Any:
    """The condition on ``ApiKey`` and ``User`` under which a key authenticates."""
    return (
        ApiKey.revoked_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        User.disabled_at.is_(None),
    )


def authenticate() -> Principal:
    """Resolve the request's Bearer key, or raise 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401, "missing API key: send 'Authorization: Bearer <key>'", headers=CHALLENGE
        )
    # Read on every request, with no cache in front: a revoked key, a disabled user or a
    # changed role takes effect from the next request.
    now = datetime.now(UTC)
    row = (
        db()
        .execute(
            select(User.id, User.org_id, User.role, ApiKey.id.label("key_id"), ApiKey.last_used_at)
            .join(ApiKey, ApiKey.user_id == User.id)
            .where(ApiKey.key_hash == hash_key(key.strip()), *usable_key(now))
        )
        .first()
    )
    if row is None:
        raise ApiError(401, "invalid API key", headers=CHALLENGE)
    if row.last_used_at is None or row.last_used_at < now - LAST_USED_EVERY:
        _touch(row.key_id, now)
    bind_caller(org_id=row.org_id, user_id=row.id)
    return Principal(user_id=row.id, org_id=row.org_id, role=row.role, key_id=row.key_id)


def _touch(key_id: int, now: datetime) -> None:
    """Record the key's use in its own short transaction (a GET commits nothing)."""
    with resources().engine.begin() as conn:
        conn.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_EVERY),
            )
            # Not a change of the key: leave ``updated_at`` as it is.
            .values(last_used_at=now, updated_at=ApiKey.updated_at)
        )


def principal() -> Principal:
    """The authenticated caller of this request."""
    who: Principal = g.principal
    return who


def require_role(role: str) -> Callable[[F], F]:
    """Let only callers with ``role`` or a higher one through (403 otherwise)."""

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if ROLE_RANK[principal().role] < ROLE_RANK[role]:
                raise ApiError(403, f"this needs the {role} role")
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def owned(
    model: type[M],
    row_id: Any,
    kind: str,
    *,
    by: Literal["org_id", "user_id"] = "org_id",
    any_org: bool = False,
) -> M:
    """The ``model`` row ``row_id`` if the caller's org (or, ``by="user_id"``, the caller) owns it.

    Another org's (or user's) row answers the same 404 as a missing one; ``any_org`` lets
    every row through (an operator's platform-wide view).
    """
    row = db().get(model, row_id)
    who = principal()
    mine = who.user_id if by == "user_id" else who.org_id
    if row is None or (getattr(row, by) != mine and not any_org):
        raise not_found(kind)
    return row


def named_org(org_id: int | None) -> int:
    """The org the caller names (``?org_id=``, ``"org_id"``): its own if ``None``.

    An operator may name any existing org. Any other org's id answers an admin exactly
    what a missing one does (404, without a query), so an admin learns nothing about which
    orgs exist.
    """
    who = principal()
    if org_id is None or org_id == who.org_id:
        return who.org_id
    if who.role != "operator" or db().get(Organization, org_id) is None:
        raise not_found("organization")
    return org_id
