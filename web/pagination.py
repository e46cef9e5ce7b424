"""Keyset pagination with opaque cursors: ``{"items": [...], "next_cursor": ...}``."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from web.errors import ApiError


def encode_cursor(sort: str, value: Any, last_id: int) -> str:
    """An opaque cursor after the row (``value``, ``last_id``) in ``sort`` order."""
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = orjson.dumps([sort, value, last_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, column: InstrumentedAttribute[Any]) -> tuple[Any, int]:
    """The (sort value, id) inside ``cursor``; 422 for a cursor we did not make for ``sort``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, last_id = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise ApiError(422, "invalid cursor", code="invalid_cursor") from None
    if made_for != sort or not isinstance(last_id, int) or not 0 < last_id < 2**63:
        raise ApiError(422, "invalid cursor", code="invalid_cursor")
    try:
        python_type = column.type.python_type
        if python_type is datetime:
            value = datetime.fromisoformat(value)
        elif not isinstance(value, python_type) or (isinstance(value, str) and "\x00" in value):
            raise TypeError
    except (TypeError, ValueError):
        raise ApiError(422, "invalid cursor", code="invalid_cursor") from None
    return value, last_id


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    model: Any,
    sort: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """Apply ``sort`` (a column name, ``-`` for descending), the cursor and ``limit``."""
    desc = sort.startswith("-")
    column = getattr(model, sort.lstrip("-"))
    if cursor:
        value, last_id = decode_cursor(cursor, sort, column)
        key = tuple_(column, model.id)
        stmt = stmt.where(key < (value, last_id) if desc else key > (value, last_id))
    order = (column.desc(), model.id.desc()) if desc else (column.asc(), model.id.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(sort, getattr(last, sort.lstrip("-")), last.id)
