"""JSON responses and row serialization."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from flask import Response


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response encoded with orjson (ISO dates, decimals as strings)."""
    return Response(
        orjson.dumps(body, default=_default, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def row_to_dict(row: Any, *, hidden: tuple[str, ...] = ("org_id",)) -> dict[str, Any]:
    """A model row as a JSON-ready dict of its columns."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in hidden:
            continue
        value = getattr(row, column.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = f"{value:.2f}"
        out[column.key] = value
    return out
