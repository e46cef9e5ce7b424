"""``GET /api/v1/ops/cache``: cache analytics over time for the ops console (operators)."""

from __future__ import annotations

from typing import Any, Literal

import redis
from flask import Blueprint, Response, request

from core.ops.cache_analytics import analytics
from web import responses_ops
from web.auth import require_role
from web.caching import cache_service
from web.http import json_response
from web.schemas import Strict
from web.spec import returns, spec

bp = Blueprint("ops_cache", __name__, url_prefix="/ops")


class CacheQuery(Strict):
    range: Literal["hour", "14d"] = "hour"


@bp.get("/cache")
@returns(responses_ops.CacheAnalytics)
@spec.validate(query=CacheQuery, tags=["ops"])
@require_role("operator")
def cache_analytics() -> Response:
    q: CacheQuery = request.context.query  # type: ignore[attr-defined]
    cache = cache_service()
    try:
        cache.stats.flush(cache.client)
        body: dict[str, Any] = {"status": "up", **analytics(cache.client, cache.stats, q.range)}
    except redis.RedisError as exc:
        # The cache being down is a figure here, not an error: reads go to PostgreSQL.
        body = {"status": "down", "error": exc.__class__.__name__}
    body["enabled"] = cache.config.enabled
    return json_response(body)
