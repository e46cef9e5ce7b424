"""``GET /api/v1/cache/stats``: hits, misses, hit rate, stale serves, keys, memory, latency.

An admin sees their org's figures; an operator the platform's (``?org_id=`` for one org).
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, Response, request
from pydantic import Field

from web import responses_reports
from web.auth import principal, require_role
from web.caching import cache_service
from web.http import json_response
from web.schemas import Strict
from web.spec import returns, spec

bp = Blueprint("cache", __name__)


class StatsQuery(Strict):
    org_id: int | None = Field(default=None, ge=1, description="one org's figures (operator)")


@bp.get("/cache/stats")
@returns(responses_reports.CacheStats)
@spec.validate(query=StatsQuery, tags=["cache"])
@require_role("admin")
def stats() -> Response:
    q: StatsQuery = request.context.query  # type: ignore[attr-defined]
    who = principal()
    org_id = who.org_id if who.role != "operator" else q.org_id
    cache = cache_service()
    try:
        body: dict[str, Any] = {"status": "up", "scope": "platform" if org_id is None else "org"}
        body.update(cache.report(org_id))
    except redis.RedisError as exc:
        # The cache being down is a figure here, not an error: reads go to PostgreSQL.
        body = {"status": "down", "error": exc.__class__.__name__}
    body["enabled"] = cache.config.enabled
    return json_response(body)
