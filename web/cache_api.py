"""``GET /api/v1/cache/stats``: hits, misses, hit rate, stale serves, keys, memory, latency.

An admin sees their org's figures; an operator the platform's (``?org_id=`` for one org).
An admin naming another org, or an operator a missing one, gets the 404 of a missing org
(``web.auth.named_org``), as ``GET /api/v1/users?org_id=`` does.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, Response, request
from pydantic import Field

from web import responses_reports
from web.auth import named_org, principal, require_role
from web.caching import cache_service
from web.http import json_response
from web.schemas import Id, Strict
from web.spec import may_answer, returns, spec

bp = Blueprint("cache", __name__)


class StatsQuery(Strict):
    org_id: Id | None = Field(
        default=None,
        description="one org's figures: any org for an operator, their own for an admin",
    )


@bp.get("/cache/stats")
@may_answer(404)  # ?org_id= of no org (any org but their own, for an admin)
@returns(responses_reports.CacheStats)
@spec.validate(query=StatsQuery, tags=["cache"])
@require_role("admin")
def stats() -> Response:
    q: StatsQuery = request.context.query  # type: ignore[attr-defined]
    who = principal()
    # An operator without ?org_id= sees the platform; everyone else one org.
    org_id = None if who.role == "operator" and q.org_id is None else named_org(q.org_id)
    cache = cache_service()
    try:
        body: dict[str, Any] = {"status": "up", "scope": "platform" if org_id is None else "org"}
        body.update(cache.report(org_id))
    except redis.RedisError as exc:
        # The cache being down is a figure here, not an error: reads go to PostgreSQL.
        body = {"status": "down", "error": exc.__class__.__name__}
    body["enabled"] = cache.config.enabled
    return json_response(body)
