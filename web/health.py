"""``GET /health``: is this process and what it depends on working."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app
from sqlalchemy import text

from core.queueing.relay import read_heartbeat
from core.queueing.relay_sql import LAG_SQL
from core.settings import VERSION
from web.ext import resources
from web.http import json_response
from web.responses import Health
from web.spec import returns
from web.ws_handshake import websocket_url

bp = Blueprint("health", __name__)


def _probe(check: Any) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a down dependency is what /health reports, not an error
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "up", "latency_ms": round((time.perf_counter() - start) * 1000, 2)}


def _relay(res: Any) -> dict[str, Any]:
    """The outbox relay: its last heartbeat and lag (oldest staged job not yet sent).

    ``down`` once a relay that did report has been silent past ``RELAY_SILENT_S``;
    ``unknown`` when none ever reported (a fresh install) or the broker cannot say.
    """
    out: dict[str, Any] = {"status": "unknown"}
    try:
        with res.engine.connect() as conn:
            lag = conn.execute(text(LAG_SQL)).scalar()
        out["lag_s"] = round(float(lag or 0.0), 3)
    except Exception as exc:  # the database probe reports it
        out["lag_error"] = exc.__class__.__name__
    try:
        beat = read_heartbeat(res.broker)
    except Exception as exc:  # the redis probe reports it
        out["error"] = exc.__class__.__name__
        return out
    if beat is not None:
        age = max(0.0, time.time() - float(beat["at"]))
        silent = age > res.settings.broker.relay_silent_s
        out.update(
            status="down" if silent else "up",
            last_heartbeat_age_s=round(age, 3),
            restarts=int(beat.get("restarts", 0)),
        )
    return out


@bp.get("/health")
@returns(Health)
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
    relay = _relay(res)
    ok = all(c["status"] == "up" for c in checks.values()) and relay["status"] != "down"
    body = {
        "status": "ok" if ok else "degraded",
        **checks,
        "relay": relay,
        "uptime": round(time.time() - res.started, 1),
        "environment": res.settings.environment,
        "version": VERSION,
        "websocket_url": websocket_url(
            res.settings, served_here="saleshub.hub" in current_app.extensions
        ),
    }
    # As every 503 of the contract: tell load balancers and clients when to look again.
    return json_response(body, 200) if ok else json_response(body, 503, {"Retry-After": "5"})
