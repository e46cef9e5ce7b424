"""``GET /ops``: the ops console page.

The page and its scripts hold no data; everything it shows comes from the operator-only
API and websocket with the key the operator signs in with. The chart library (uPlot) is
installed from npm into ``web/console/node_modules`` by ``make`` (no CDN at run time).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
NODE_MODULES = HERE / "console" / "node_modules"
VENDOR = NODE_MODULES / "uplot" / "dist"

bp = Blueprint("console", __name__)


@bp.get("/ops")
def page() -> Response:
    # Its Content-Security-Policy (no inline script or style) is set by web.security.
    return send_from_directory(STATIC, "ops.html")


@bp.get(
    "/ops/static/<any('ops.js', 'ops-core.js', 'ops-overview.js', 'ops-views.js',"
    " 'ops-batches.js', 'ops-fairness.js', 'ops.css'):name>"
)
def static_file(name: str) -> Response:
    return send_from_directory(STATIC, name)


@bp.get("/ops/vendor/<any('uPlot.iife.min.js', 'uPlot.min.css'):name>")
def vendor(name: str) -> Response:
    return send_from_directory(VENDOR, name)


@bp.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask on every page: SalesHub's icon (32x32, PNG inside ICO), cached for a day.
    return send_from_directory(STATIC, "favicon.ico", mimetype="image/x-icon", max_age=86400)
