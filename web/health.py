"""``GET /health``: is this process and what it depends on working."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response
from sqlalchemy import text

from core.settings import VERSION
from web.ext import resources
from web.http import json_response

bp = Blueprint("health", __name__)


def _probe(check: Any) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a down dependency is what /health reports, not an error
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "up", "latency_ms": round((time.perf_counter() - start) * 1000, 2)}


@bp.get("/health")
def health() -> Response:
    res = resources()

    def database() -> None:
        with res.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    checks = {
        "database": _probe(database),
        "redis": _probe(res.broker.ping),
        "cache": _probe(res.cache.ping),
    }
    ok = all(c["status"] == "up" for c in checks.values())
    body = {
        "status": "ok" if ok else "degraded",
        **checks,
        "uptime": round(time.time() - res.started, 1),
        "environment": res.settings.environment,
        "version": VERSION,
    }
    # As every 503 of the contract: tell load balancers and clients when to look again.
    return json_response(body, 200) if ok else json_response(body, 503, {"Retry-After": "5"})
