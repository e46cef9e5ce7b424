"""``WS /ws``: the websocket hub every live feature uses.

One Redis pub/sub listener per process fans events out to the local sockets subscribed to
them, writing each event's frame, built once, straight to every socket that can take it
(``web.ws_client``); a client too slow to take it gets a bounded backlog and is dropped when
that falls behind, so it never stalls the others. The handshake is authenticated (API key
header or a one-time ticket from ``POST /api/v1/ws/ticket``) and its ``Origin`` checked
before the upgrade.
Every ``RECHECK_S`` one query re-checks every open socket's key and user: a socket whose
key was revoked or expired, whose user was disabled or whose role changed is closed
(1008), so access taken away reaches open sockets within seconds.

The realtime process serves it under gunicorn's gevent worker (docs/decisions/
0010-realtime-server.md), where every "thread" here is a greenlet; the web process does
not serve it (``install(..., serve=False)``) and points clients to ``websocket_url``.
Open sockets are capped per user and per org across processes (``web.ws_limits``), every
frame is text JSON, a send has a deadline and a socket that falls ``slow_after_s`` behind
is closed with 1013; inbound frames are size- and rate-limited.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from flask import Flask, Response, g, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed
from sqlalchemy.exc import SQLAlchemyError

from core import channels
from core.notify.fanout import user_channel
from web.auth import Principal
from web.errors import ApiError
from web.ext import Resources, close_db
from web.request_log import release_context
from web.spec import may_answer
from web.ws_client import UNAVAILABLE, Client, Inbound, NoThread, release_handshake
from web.ws_frames import SendTimeout, abort, cooperative
from web.ws_handshake import check_origin, handshake_principal, shed_request, websocket_url
from web.ws_hub import RECHECK_S, Hub  # noqa: F401 - RECHECK_S: the re-check period (tests)
from web.ws_limits import RETRY_AFTER_S, Lease, TokenBucket
from web.ws_live import error

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    """An admitted handshake: who, the cap lease it holds, whether it offered no extension."""

    who: Principal
    lease: Lease
    plain: bool


def allowed_channel(who: Principal, channel: str) -> str | None:
    """The scoped channel name ``who`` may subscribe to as ``channel``, or None."""
    if channel == "ops.queues":
        return channel if who.role == "operator" else None
    if channel == "notifications":
        return user_channel(who.org_id, who.user_id)
    if channel in {"jobs", "dashboard", "activity", "presence"}:
        return channels.org_channel(who.org_id, channel)
    return None


def _not_here(app: Flask, res: Resources) -> None:
    """The web process serves no sockets: say where they are."""

    @app.route("/ws")
    @may_answer(404)
    def websocket_elsewhere() -> Response:
        url = websocket_url(res.settings, served_here=False)
        raise ApiError(404, f"websockets are served at {url}", details={"websocket_url": url})


def install(app: Flask, res: Resources, *, serve: bool = True) -> None:
    """Add ``/ws`` to ``app`` (``serve=False``: only a 404 naming ``websocket_url``)."""
    if not serve:
        _not_here(app, res)
        return
    limits = res.settings.realtime
    hub = Hub(res)
    app.extensions["saleshub.hub"] = hub
    options = {
        "ping_interval": None,  # the hub pings every socket (one loop, not one per socket)
        "max_message_size": limits.max_message_bytes,
        "event_class": Inbound,
        "thread_class": NoThread,
    }
    deadline = limits.send_timeout_s if cooperative() else None

    @app.before_request
    def _guard() -> None:
        if request.path == "/ws":
            check_origin(res.settings)
            who = handshake_principal()
            close_db()  # the handshake's session, not kept for the socket's life
            lease = hub.leases.admit(who.user_id, who.org_id)
            if not isinstance(lease, Lease):
                cap = limits.max_per_user if lease == "user" else limits.max_per_org
                raise ApiError(
                    429,
                    f"too many open websockets for this {lease} (at most {cap})",
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            g.ws_principal, g.ws_lease = who, lease

    @app.teardown_request
    def _release_unused(_exc: BaseException | None) -> None:
        # A lease taken by a handshake that never reached the handler (an error between).
        lease = g.pop("ws_lease", None)
        if lease is not None:
            with contextlib.suppress(redis.RedisError):
                hub.leases.release(lease)

    app.config["SOCK_SERVER_OPTIONS"] = options
    sock = Sock(app)

    @sock.route("/ws")
    def websocket(ws: Any) -> None:
        # Past _guard: flask-sock made the socket; it lives in this view, in this greenlet.
        # (Serving it after Flask's request, with simple-websocket's Server built by hand,
        # saved ~5 KB a socket but left flask-sock unused: docs/decisions/0010.)
        accepted = Accepted(
            who=g.pop("ws_principal"),
            lease=g.pop("ws_lease"),
            plain=not request.headers.get("Sec-WebSocket-Extensions"),
        )
        shed_request()
        release_context()
        _run(ws, accepted)

    def _run(ws: Any, accepted: Accepted) -> None:
        client = Client(
            who=accepted.who,
            ws=ws,
            lease=accepted.lease,
            inbound=TokenBucket(limits.inbound_per_s, limits.inbound_burst),
            plain=accepted.plain,
            deadline_s=deadline,
            slow_after_s=limits.slow_after_s,
        )
        ws.environ = None  # the handshake's; the server's frames keep their own reference
        ws.event.handler = lambda: _drain(client)
        release_handshake(ws)
        client.send(orjson.dumps(channels.frame("hello", {"role": client.who.role}, kind="hello")))
        hub.add(client)
        try:
            # simple-websocket's reader loop, in this greenlet: it reads, answers pings and
            # close frames, and hands each message to _drain, until the connection ends.
            ws.thread.run()
        except (redis.RedisError, SQLAlchemyError):
            log.warning("websocket of user %s: dependency down; 1013", client.who.user_id)
            client.close(1013, UNAVAILABLE)
        except SendTimeout:
            log.warning("websocket of user %s stopped reading; cut off", client.who.user_id)
            abort(ws)
        except ConnectionClosed:
            pass
        finally:
            client.closing = True
            hub.remove(client)
            if client.lease is not None:
                with contextlib.suppress(redis.RedisError):
                    hub.leases.release(client.lease)
            with contextlib.suppress(Exception):  # as flask-sock: a close that fails is moot
                ws.close()

    def _drain(client: Client) -> None:
        ws = client.ws
        while ws.input_buffer and not client.closing:
            _handle(client, ws.input_buffer.pop(0))

    def _handle(client: Client, raw: str | bytes) -> None:
        if not client.inbound.take():
            now = time.monotonic()
            if now - client.warned_at >= 1.0:  # one warning a second, not one per frame
                client.warned_at = now
                rate = f"{limits.inbound_per_s:g}"
                client.send(error(f"rate limited: at most {rate} frames a second"))
            return
        try:
            msg = orjson.loads(raw)
            op = msg.get("op") if isinstance(msg, dict) else None
        except orjson.JSONDecodeError:
            client.send(error("malformed frame: send JSON objects"))
            return
        if op in {"subscribe", "unsubscribe"}:
            name = msg.get("channel")
            scoped = allowed_channel(client.who, name) if isinstance(name, str) else None
            if scoped is None:
                client.send(error(f"channel {name!r} is unknown or not allowed"))
            elif op == "unsubscribe":
                client.channels.discard(scoped)
                client.send(orjson.dumps(channels.frame(name, {"op": op, "ok": True}, kind="ack")))
            else:
                _subscribe(client, name, scoped, msg)
        elif op == "search":
            refusal = hub.live.search_request(client, msg)
            if refusal is not None:
                client.send(refusal)
        elif op == "ping":
            client.send(orjson.dumps(channels.frame("", {}, kind="pong")))
        else:
            client.send(error(f"unknown op {op!r}"))

    def _subscribe(client: Client, name: str, scoped: str, msg: dict[str, Any]) -> None:
        # Events published while the state below is read wait until it is sent.
        client.held = []
        client.channels.add(scoped)  # before the state: nothing falls between
        try:
            client.send(
                orjson.dumps(channels.frame(name, {"op": "subscribe", "ok": True}, kind="ack"))
            )
            for frame in hub.live.subscribed(client, name, msg):
                client.send(frame)
        except (redis.RedisError, SQLAlchemyError):  # subscribed; its first state is late
            log.warning("state of channel %s unavailable", name, exc_info=True)
            client.send(error(f"the current state of {name!r} is unavailable; events follow"))
        finally:
            held, client.held = client.held or [], None
            for data, frame in held:
                client.offer(data, frame)
