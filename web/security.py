"""Security headers on every answer, and a Content-Security-Policy on every HTML page.

The policy never allows ``unsafe-inline``: a page's inline ``<script>`` and ``<style>``
blocks (the API docs pages spectree renders have a few) are allowed by their SHA-256,
computed from the answer itself, so a page added later is covered without anyone
listing it. No page loads anything from another host (Swagger UI on ``/docs`` is ours).
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response

_INLINE = re.compile(r"<(script|style)(?![^>]*\bsrc=)[^>]*>(.*?)</\1>", re.S | re.I)
BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self' ws: wss:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(html: str) -> str:
    """The policy of one page: inline blocks allowed by hash, never ``unsafe-inline``."""
    policy = dict(BASE_POLICY)
    for tag, body in _INLINE.findall(html):
        directive = "script-src" if tag.lower() == "script" else "style-src"
        policy[directive] += " " + _digest(body)
    return "; ".join(f"{k} {v}" for k, v in policy.items())


def install(app: Flask) -> None:
    """Add the headers to every answer of ``app``."""

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if resp.mimetype == "text/html":
            # A file sent as is (the ops console) is ours and has no inline blocks.
            html = "" if resp.direct_passthrough else resp.get_data(as_text=True)
            resp.headers["Content-Security-Policy"] = content_security_policy(html)
            resp.headers["X-Frame-Options"] = "DENY"
        return resp
