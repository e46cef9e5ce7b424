"""A request id on every request, and one access-log line per answer.

The id is the caller's ``X-Request-ID`` when it is a sane token (so a proxy's or
client's id carries through), or a new one; it is echoed in the answer's ``X-Request-ID``
and added to every log record of the request (``core.logs``), with the caller's org and
user id once its API key is known (:func:`bind_caller`, from ``web.auth.authenticate``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from core.logs import caller, request_id

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access = logging.getLogger("saleshub.access")


def install(app: Flask, *, access_log: bool = True) -> None:
    """Give every request of ``app`` an id, and log it when it is answered."""

    @app.before_request
    def _bind() -> None:
        given = request.headers.get(HEADER, "")
        g.request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
        g.request_token = request_id.set(g.request_id)
        # Unset until authentication binds it (bind_caller); _unbind restores what was before.
        g.caller_token = caller.set(None)
        g.request_t0 = time.perf_counter()

    @app.after_request
    def _answer(resp: Response) -> Response:
        rid = g.get("request_id")
        if rid is None:  # failed before _bind ran
            return resp
        resp.headers[HEADER] = rid
        if access_log:
            ms = (time.perf_counter() - g.request_t0) * 1000
            access.info(
                "%s %s %s %.1fms",
                request.method,
                request.full_path.rstrip("?"),
                resp.status_code,
                ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": resp.status_code,
                    "duration_ms": round(ms, 2),
                    "remote_addr": request.remote_addr,
                },
            )
        return resp

    app.teardown_request(_unbind)


def _unbind(_exc: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        request_id.reset(token)
    who = g.pop("caller_token", None)
    if who is not None:
        caller.reset(who)


def release_context() -> None:
    """Give back the request's log context now (a websocket's handshake, whose request
    lasts as long as its socket): the context variables set per request cost a few hundred
    bytes a socket; the socket's own log lines name its user instead."""
    _unbind(None)


def bind_caller(*, org_id: int, user_id: int) -> None:
    """Add the authenticated caller's org and user id to the request's log records."""
    if "caller_token" in g:  # only inside a request whose _bind ran (and _unbind will reset)
        caller.set({"org_id": org_id, "user_id": user_id})
