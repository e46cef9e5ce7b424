"""Transactions for writes, with ``Idempotency-Key`` replay on POST.

The key row is inserted in the same transaction as the write, so the answer is stored
exactly when the write commits; a concurrent request with the same key waits on the
unique index until the first commits, then replays its answer. Keys are scoped to the
API key that sent them: another caller of the org reusing one goes through the view and
its role checks. Fields named by :func:`secret_fields` (a new API key, a webhook secret)
are left out of the stored answer, so a secret is never kept or replayed from storage.

JSON views get all of it from :func:`transactional`; a view that commits itself (the
multipart import upload) calls :func:`request_key`, :func:`claim` and :func:`record`
itself, with a digest of the upload (:func:`upload_digest`) in place of the body's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import orjson
from flask import Response, g, make_response, request
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import IdempotencyKey
from web.auth import principal
from web.errors import ApiError
from web.ext import db, resources

F = TypeVar("F", bound=Callable[..., Any])
MAX_KEY_LENGTH = 255
SORTED = orjson.OPT_SORT_KEYS


def _hasher() -> Any:
    h = hashlib.sha256()
    h.update(f"{request.method} {request.path}\n".encode())
    return h


def _request_hash() -> str:
    h = _hasher()
    # The parsed body, re-encoded with sorted keys: a client that re-serializes the same
    # object in another key order or spacing is sending the same request.
    body = request.get_json(silent=True)
    h.update(request.get_data(cache=True) if body is None else orjson.dumps(body, option=SORTED))
    return str(h.hexdigest())


def upload_digest(fields: Mapping[str, Any], path: Path) -> str:
    """The digest of an upload: its parsed form fields and the saved file, read in blocks."""
    h = _hasher()
    h.update(orjson.dumps(dict(fields), option=SORTED) + b"\n")
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return str(h.hexdigest())


def secret_fields(*names: str) -> None:
    """Leave these top-level fields of this request's answer out of its stored copy."""
    g.idempotency_secrets = names


Scope = tuple[int, int]  # (org id, API key id)


def request_key() -> tuple[Scope, str] | None:
    """This POST's ``Idempotency-Key`` and its scope, or None; 422 when it is malformed."""
    key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
    who = principal()
    if key is None or who.key_id is None:  # not an API key (a websocket ticket): no scope
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(422, "Idempotency-Key must be 1 to 255 printable characters")
    return (who.org_id, who.key_id), key


def claim(session: Session, scope: Scope, key: str, digest: str) -> Response | None:
    """Claim ``key``; return the stored answer when it was used before with this body."""
    org_id, api_key_id = scope
    ttl = timedelta(seconds=resources().settings.web.idempotency_ttl_s)
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.org_id == org_id,
            IdempotencyKey.api_key_id == api_key_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at < datetime.now(UTC) - ttl,
        )
    )
    claimed = session.execute(
        insert(IdempotencyKey)
        .values(
            org_id=org_id,
            api_key_id=api_key_id,
            key=key,
            request_hash=digest,
            status_code=0,
            body=None,
        )
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    ).scalar_one_or_none()
    if claimed is not None:
        return None
    row = session.execute(
        select(IdempotencyKey).where(
            IdempotencyKey.org_id == org_id,
            IdempotencyKey.api_key_id == api_key_id,
            IdempotencyKey.key == key,
        )
    ).scalar_one()
    if row.request_hash != digest:
        raise ApiError(409, "this Idempotency-Key was used with another request", code="conflict")
    resp = make_response(orjson.dumps(row.body), row.status_code)
    resp.mimetype = "application/json"
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def record(session: Session, scope: Scope, key: str, resp: Response) -> None:
    """Store ``resp`` as the answer to ``key`` (claimed in this transaction)."""
    row = session.get(IdempotencyKey, (*scope, key))
    assert row is not None
    row.status_code = resp.status_code
    body = resp.get_json(silent=True)
    hidden = g.pop("idempotency_secrets", ())
    if hidden and isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in hidden}
    row.body = body


def transactional(fn: F) -> F:
    """Run a write view in one transaction and commit it; honour ``Idempotency-Key`` on POST."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = db()
        idem = request_key()
        if idem is not None:
            replay = claim(session, *idem, _request_hash())
            if replay is not None:
                session.rollback()
                return replay
        resp = make_response(fn(*args, **kwargs))
        if idem is not None:
            record(session, *idem, resp)
        session.commit()
        return resp

    return wrapper  # type: ignore[return-value]
