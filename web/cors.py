"""CORS for the API, only for the origins in ``CORS_ALLOWED_ORIGINS`` (none by default).

flask-cors answers the preflight and adds the headers; with no origin configured it is not
installed at all, so no answer carries a CORS header. Origins are exact
(``scheme://host[:port]``; the setting refuses wildcards and patterns), credentials are
never allowed (the API authenticates with a bearer key, not cookies), and nothing is sent
to a request without an ``Origin`` header (flask-cors's ``always_send`` would list every
allowed origin there).
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

ALLOW_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-None-Match",
    "X-Request-ID",
]
EXPOSE_HEADERS = [
    "ETag",
    "X-Request-ID",
    "X-Cache",
    "Idempotent-Replayed",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
MAX_AGE_S = 600


def install(app: Flask, origins: tuple[str, ...]) -> None:
    """Answer CORS requests to ``/api/`` from ``origins``; nothing if there are none."""
    if not origins:
        return
    CORS(
        app,
        resources={r"/api/*": {"origins": list(origins)}},
        methods=METHODS,
        allow_headers=ALLOW_HEADERS,
        expose_headers=EXPOSE_HEADERS,
        supports_credentials=False,
        always_send=False,
        max_age=MAX_AGE_S,
        vary_header=True,
    )
