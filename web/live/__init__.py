"""``GET /live``: the org's live pipeline board and activity feed.

Plain HTML, CSS and JavaScript of ours (no library, nothing from a CDN). The page holds no
data: it signs in with the user's API key (kept in the tab's session storage), reads the
deals over the API and follows the org's ``dashboard``, ``activity`` and ``presence``
channels on ``/ws`` with a one-time ticket. Its Content-Security-Policy (no inline script
or style) is set by ``web.security``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

STATIC = Path(__file__).resolve().parent / "static"

bp = Blueprint("live", __name__)


@bp.get("/live")
def page() -> Response:
    return send_from_directory(STATIC, "live.html")


@bp.get("/live/static/<any('live.js', 'live.css'):name>")
def static_file(name: str) -> Response:
    return send_from_directory(STATIC, name)
