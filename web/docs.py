"""``GET /docs``: the API's browsable documentation, from SalesHub's own assets.

Swagger UI is installed from npm into ``web/console/node_modules`` by ``make`` (as the
console's uPlot is), so the page loads with no internet access and its
Content-Security-Policy allows nothing but this host.
"""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory

from web.console import NODE_MODULES, STATIC

SWAGGER = NODE_MODULES / "swagger-ui-dist"

bp = Blueprint("docs", __name__)


@bp.get("/docs")
def page() -> Response:
    return send_from_directory(STATIC, "docs.html")


@bp.get("/docs/assets/docs.js")
def init_script() -> Response:
    return send_from_directory(STATIC, "docs.js")


@bp.get("/docs/assets/<any('swagger-ui.css', 'swagger-ui-bundle.js'):name>")
def vendor(name: str) -> Response:
    return send_from_directory(SWAGGER, name)
