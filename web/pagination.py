"""Keyset pagination with opaque cursors: ``{"items": [...], "next_cursor": ...}``."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from web.errors import ApiError

MAX_BIGINT = 2**63 - 1


def _invalid() -> ApiError:
    return ApiError(422, "invalid cursor", code="invalid_cursor")


def encode_cursor(sort: str, value: Any, last_id: int | uuid.UUID) -> str:
    """An opaque cursor after the row (``value``, ``last_id``) in ``sort`` order."""
    if isinstance(value, datetime):
        value = value.isoformat()
    ident = str(last_id) if isinstance(last_id, uuid.UUID) else last_id
    raw = orjson.dumps([sort, value, ident])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_id(raw: Any, id_type: type) -> int | uuid.UUID:
    if id_type is uuid.UUID:
        if not isinstance(raw, str):
            raise _invalid()
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise _invalid() from None
    # ``type(...) is int``: a JSON ``true`` is an int to isinstance, and PostgreSQL
    # cannot compare a bigint with a boolean.
    if type(raw) is not int or not 0 < raw <= MAX_BIGINT:
        raise _invalid()
    return raw


def decode_cursor(
    cursor: str,
    sort: str,
    column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[Any],
) -> tuple[Any, int | uuid.UUID]:
    """The (sort value, id) inside ``cursor``; 422 for a cursor we did not make for ``sort``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, last_id = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _invalid() from None
    if made_for != sort:
        raise _invalid()
    ident = _decode_id(last_id, id_column.type.python_type)
    python_type = column.type.python_type
    try:
        if python_type is datetime:
            value = datetime.fromisoformat(value)
        elif type(value) is not python_type or (isinstance(value, str) and "\x00" in value):
            raise TypeError
    except (TypeError, ValueError):
        raise _invalid() from None
    return value, ident


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    model: Any,
    sort: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """Apply ``sort`` (a column name, ``-`` for descending), the cursor and ``limit``.

    Rows are ordered by (sort column, id), so rows with equal sort values are neither
    skipped nor repeated across pages.
    """
    desc = sort.startswith("-")
    column = getattr(model, sort.lstrip("-"))
    if cursor:
        value, last_id = decode_cursor(cursor, sort, column, model.id)
        key = tuple_(column, model.id)
        stmt = stmt.where(key < (value, last_id) if desc else key > (value, last_id))
    order = (column.desc(), model.id.desc()) if desc else (column.asc(), model.id.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(sort, getattr(last, sort.lstrip("-")), last.id)
