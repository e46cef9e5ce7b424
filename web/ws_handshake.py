"""The ``/ws`` handshake: where sockets are served, which origins may open them, who opens one.

Browsers cannot send headers on a websocket: they open it with a one-time ticket.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, request
from spectree import Response as SpecResponse
from sqlalchemy import Select, select

from core.settings import Settings
from models import ApiKey, User
from web import responses
from web.auth import Principal, authenticate, principal, usable_key
from web.errors import ApiError
from web.ext import db, resources
from web.http import json_response
from web.spec import returns, spec

TICKET_PREFIX = "saleshub:ws-ticket:"
TICKET_TTL_S = 60

tickets = Blueprint("ws_tickets", __name__)


@tickets.post("/ws/ticket")
@returns(responses.WsTicket, status=201)
@spec.validate(tags=["websocket"], resp=SpecResponse(HTTP_201=None))
def ws_ticket() -> Response:
    """A one-time ticket (60 s) to open ``/ws`` from a browser, which cannot send headers."""
    ticket = secrets.token_urlsafe(24)
    who = principal()
    # The minting key goes with the ticket, so revoking that key closes the socket too.
    value = f"{who.user_id}:{who.key_id}" if who.key_id is not None else str(who.user_id)
    resources().broker.set(TICKET_PREFIX + ticket, value, ex=TICKET_TTL_S)
    return json_response({"ticket": ticket, "expires_in": TICKET_TTL_S}, 201)


def websocket_url(settings: Settings, *, served_here: bool) -> str:
    """The URL a client opens: ``WEBSOCKET_URL``, this origin's ``/ws`` if it serves it, or
    this host on the realtime port."""
    if settings.realtime.websocket_url:
        return settings.realtime.websocket_url
    scheme = "wss" if request.scheme == "https" else "ws"
    if served_here:
        return f"{scheme}://{request.host}/ws"
    host = urlsplit(f"//{request.host}").hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{settings.realtime.realtime_port}/ws"


def _origin_allowed(origin: str, settings: Settings) -> bool:
    """The API's own origin (``PUBLIC_URL``, or this host), or one of ``WS_ALLOWED_ORIGINS``.

    The realtime process listens on its own port, so the console's page (served by the
    web process) opens sockets from another origin: the API's, which is allowed.
    """
    if origin in settings.web.ws_allowed_origins:
        return True
    parts = urlsplit(origin)
    if parts.netloc == request.host:
        return True
    api = urlsplit(settings.web.public_url)
    if (parts.scheme, parts.netloc) == (api.scheme, api.netloc):
        return True
    # The API reached by another name of this host (localhost, an IP): same host, API port.
    here = urlsplit(f"//{request.host}").hostname
    try:
        return parts.hostname == here and parts.port == api.port
    except ValueError:  # a malformed port
        return False


def check_origin(settings: Settings) -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser: the API key or ticket is the only credential
    if not _origin_allowed(origin, settings):
        raise ApiError(403, f"origin {origin!r} is not allowed")


def handshake_principal() -> Principal:
    ticket = request.args.get("ticket")
    if ticket is None:
        return authenticate()
    value = resources().broker.getdel(TICKET_PREFIX + ticket[:64])
    if value is None:
        raise ApiError(401, "invalid or expired websocket ticket")
    user_id, key_id = _ticket_value(value)
    user = db().get(User, user_id)
    if user is None or user.disabled_at is not None:
        raise ApiError(401, "invalid or expired websocket ticket")
    if key_id is not None and db().execute(_usable(key_id, user.id)).first() is None:
        raise ApiError(401, "invalid or expired websocket ticket")  # its key was revoked since
    return Principal(user_id=user.id, org_id=user.org_id, role=user.role, key_id=key_id)


# What of the handshake's WSGI environ is read after it, while its socket lives: Flask's
# request (its method, path and address were copied out when it was made), gunicorn's
# access-log line when the socket ends (these headers), and the server's own keys.
_KEPT_HEADERS = frozenset({"HTTP_HOST", "HTTP_USER_AGENT", "HTTP_REFERER"})


def shed_request() -> None:
    """Drop what an accepted handshake's request keeps but its socket never reads again.

    Under flask-sock the socket lives inside the handshake's request, so its environ and
    werkzeug's parsed query string stay for the socket's life (about 1 KB a socket of
    10,000): the environ keeps the server's keys and the headers an access-log line reads
    (rebuilt, so its table shrinks too), and the parsed query (the ticket) is forgotten.
    """
    environ = request.environ
    kept = {k: v for k, v in environ.items() if not k.startswith("HTTP_") or k in _KEPT_HEADERS}
    environ.clear()  # the same dict, which gunicorn's frame also holds: smaller in place
    environ.update(kept)
    # werkzeug caches parsed request data in the request's __dict__ (cached_property).
    for parsed in ("args", "cookies"):
        request.__dict__.pop(parsed, None)


def _ticket_value(value: bytes | str) -> tuple[int, int | None]:
    """``user_id:key_id`` (or a bare ``user_id``, a ticket minted before keys were recorded)."""
    text = value.decode() if isinstance(value, bytes) else value
    user, _, key = text.partition(":")
    return int(user), int(key) if key else None


def _usable(key_id: int, user_id: int) -> Select[int]:
    """The key ``key_id`` of ``user_id``, if it still authenticates."""
    return (
        select(ApiKey.id)
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.id == key_id, User.id == user_id, *usable_key(datetime.now(UTC)))
    )
