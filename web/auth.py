"""API keys: minted once, stored as SHA-256, presented as ``Authorization: Bearer``."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiKey, User
from web.errors import ApiError, not_found
from web.ext import db

KEY_PREFIX = "shk_"
ROLE_RANK = {"member": 0, "admin": 1, "operator": 2}
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")
# RFC 9110: a 401 names the scheme that would be accepted.
CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Principal:
    """Who is calling.

    Parameters:
      user_id: the user's id.
      org_id: the user's organization; every query is scoped by it.
      role: ``member``, ``admin`` or ``operator``.
    """

    user_id: int
    org_id: int
    role: str


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def mint_key(session: Session, user: User) -> str:
    """Create an API key for ``user``; the plain key is returned once and never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(user_id=user.id, prefix=key[:12], key_hash=hash_key(key)))
    return key


def authenticate() -> Principal:
    """Resolve the request's Bearer key, or raise 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401, "missing API key: send 'Authorization: Bearer <key>'", headers=CHALLENGE
        )
    row = (
        db()
        .execute(
            select(User.id, User.org_id, User.role)
            .join(ApiKey, ApiKey.user_id == User.id)
            .where(ApiKey.key_hash == hash_key(key.strip()), ApiKey.revoked_at.is_(None))
        )
        .first()
    )
    if row is None:
        raise ApiError(401, "invalid API key", headers=CHALLENGE)
    return Principal(user_id=row.id, org_id=row.org_id, role=row.role)


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
