"""Security headers on every answer, and a Content-Security-Policy on every HTML page.

The policy is one constant: scripts and styles only from files of this host, never
``unsafe-inline``, no hashes or nonces. It is not derived from the page it is sent with: a
policy that allowed whatever inline block the answer held would allow an injected one as
well. A page with an inline ``<script>``, ``<style>``, ``style=`` or ``on…=`` handler is
blocked by the browser, which the page tests catch. No page loads anything from another
host (Swagger UI on ``/docs`` and the console's uPlot are ours).
"""

from __future__ import annotations

from flask import Flask, Response

POLICY = {
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
CONTENT_SECURITY_POLICY = "; ".join(f"{k} {v}" for k, v in POLICY.items())


def install(app: Flask) -> None:
    """Add the headers to every answer of ``app``."""

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if resp.mimetype == "text/html":
            resp.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            resp.headers["X-Frame-Options"] = "DENY"
        return resp
