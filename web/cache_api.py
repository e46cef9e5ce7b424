"""``GET /api/v1/cache/stats``: hits, misses, hit rate, stale serves, keys, memory, latency."""

from __future__ import annotations

import redis
from flask import Blueprint, Response

from web.auth import require_role
from web.caching import cache_service
from web.http import json_response
from web.spec import spec

bp = Blueprint("cache", __name__)


@bp.get("/cache/stats")
@spec.validate(tags=["cache"])
@require_role("admin")
def stats() -> Response:
    cache = cache_service()
    try:
        body = {"status": "up", **cache.report()}
    except redis.RedisError as exc:
        # The cache being down is a figure here, not an error: reads go to PostgreSQL.
        body = {"status": "down", "error": exc.__class__.__name__}
    body["enabled"] = cache.config.enabled
    return json_response(body)
