"""``WS /ws``: the websocket hub every live feature uses.

One Redis pub/sub listener per process fans events out to the local sockets subscribed to
them; each socket has a bounded queue, and a client too slow to drain it is dropped, so it
never stalls the others. The handshake is authenticated (API key header or a one-time
ticket from ``POST /api/v1/ws/ticket``) and its ``Origin`` checked before the upgrade.
Every ``RECHECK_S`` one query re-checks every open socket's key and user: a socket whose
key was revoked or expired, whose user was disabled or whose role changed is closed
(1008), so access taken away reaches open sockets within seconds.
flask-sock runs one handler thread per socket (gthread workers; FACTS.md sizes them).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
import redis
from flask import Blueprint, Flask, Response, g, request
from flask_sock import Sock
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from core import channels
from core import search as search_index
from core.notify.fanout import user_channel
from core.ops import introspection
from jobs.notifications import PRESENCE_PREFIX
from models import ApiKey, User
from web.auth import Principal, authenticate, principal, usable_key
from web.errors import ApiError
from web.ext import Resources, db, resources
from web.http import json_response

log = logging.getLogger(__name__)
TICKET_PREFIX = "saleshub:ws-ticket:"
TICKET_TTL_S = 60
SEND_QUEUE = 256
OPS_SNAPSHOT_S = 2.0
PRESENCE_TTL_S = 30
# How often open sockets' keys and users are checked again.
RECHECK_S = 5.0

tickets = Blueprint("ws_tickets", __name__)


@tickets.post("/ws/ticket")
def ws_ticket() -> Response:
    """A one-time ticket (60 s) to open ``/ws`` from a browser, which cannot send headers."""
    ticket = secrets.token_urlsafe(24)
    resources().broker.set(TICKET_PREFIX + ticket, principal().user_id, ex=TICKET_TTL_S)
    return json_response({"ticket": ticket, "expires_in": TICKET_TTL_S}, 201)


@dataclass(eq=False)
class Client:
    """One socket's identity and outbound queue."""

    who: Principal
    outbox: queue.Queue[bytes | None] = field(default_factory=lambda: queue.Queue(SEND_QUEUE))
    channels: set[str] = field(default_factory=set)
    dropped: bool = False
    revoked: bool = False

    def revoke(self) -> None:
        """Mark the socket's access as gone and wake its handler to close it."""
        self.revoked = True
        with contextlib.suppress(queue.Full):
            self.outbox.put_nowait(None)

    def offer(self, data: bytes) -> None:
        """Queue a frame; a client whose queue is full is dropped, never waited for."""
        if self.dropped:
            return
        try:
            self.outbox.put_nowait(data)
        except queue.Full:
            self.dropped = True
            log.warning("dropping slow websocket client of user %s", self.who.user_id)


_wake = threading.local()


class _WakingEvent(threading.Event):
    """simple-websocket's "input arrived" event, which also wakes the socket's handler.

    The handler thread sleeps on its outbound queue; simple-websocket's reader thread sets
    this event when a frame (or the close) arrives, and the extra ``None`` in the queue
    wakes the handler to read it. So the handler never polls: it costs nothing while
    idle and forwards a frame as soon as the hub queues it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.wake: queue.Queue[bytes | None] | None = getattr(_wake, "queue", None)

    def set(self) -> None:
        super().set()
        if self.wake is not None:
            with contextlib.suppress(queue.Full):
                self.wake.put_nowait(None)


class Hub:
    """Per-process fan-out from Redis pub/sub to local sockets.

    Parameters:
      res: the app's resources (broker Redis for pub/sub and snapshots).
    """

    def __init__(self, res: Resources) -> None:
        self.res = res
        self.clients: set[Client] = set()
        self.lock = threading.Lock()
        self.started = False
        self.listening = threading.Event()

    def start(self) -> None:
        """Start the listener and snapshot threads once, on the first socket."""
        with self.lock:
            if self.started:
                return
            self.started = True
        threading.Thread(target=self._listen, name="ws-listener", daemon=True).start()
        threading.Thread(target=self._snapshots, name="ws-snapshots", daemon=True).start()
        threading.Thread(target=self._recheck_loop, name="ws-recheck", daemon=True).start()
        self.listening.wait(5)  # so the first socket misses nothing published after it joined

    def add(self, client: Client) -> None:
        self.start()
        with self.lock:
            self.clients.add(client)
        with contextlib.suppress(redis.RedisError):
            self.res.broker.set(f"{PRESENCE_PREFIX}{client.who.user_id}", 1, ex=PRESENCE_TTL_S)

    def remove(self, client: Client) -> None:
        with self.lock:
            self.clients.discard(client)

    def recheck(self) -> int:
        """Revoke the sockets whose key, user or role no longer hold; how many were."""
        with self.lock:
            clients = list(self.clients)
        if not clients:
            return 0
        key_ids = {c.who.key_id for c in clients if c.who.key_id is not None}
        user_ids = {c.who.user_id for c in clients if c.who.key_id is None}
        with self.res.sessions() as session:
            keys: dict[int, str] = {
                key_id: role
                for key_id, role in session.execute(
                    select(ApiKey.id, User.role)
                    .join(User, User.id == ApiKey.user_id)
                    .where(ApiKey.id.in_(key_ids), *usable_key(datetime.now(UTC)))
                )
            }
            users: dict[int, str] = {
                user_id: role
                for user_id, role in session.execute(
                    select(User.id, User.role).where(
                        User.id.in_(user_ids), User.disabled_at.is_(None)
                    )
                )
            }
        gone = 0
        for c in clients:
            role = users.get(c.who.user_id) if c.who.key_id is None else keys.get(c.who.key_id)
            if role != c.who.role:
                c.revoke()
                gone += 1
        return gone

    def _recheck_loop(self) -> None:
        while True:
            time.sleep(RECHECK_S)
            try:
                self.recheck()
            except SQLAlchemyError:  # the database briefly down: check again next round
                log.warning("websocket access re-check failed", exc_info=True)

    def deliver(self, channel: str, data: bytes) -> None:
        with self.lock:
            targets = [c for c in self.clients if channel in c.channels]
        for c in targets:
            c.offer(data)

    def _listen(self) -> None:
        while True:
            try:
                pubsub = self.res.broker.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(channels.PATTERN)
                pubsub.get_message(timeout=5)  # the subscription's confirmation
                self.listening.set()
                for msg in pubsub.listen():
                    channel = channels.channel_of(msg["channel"])
                    self.deliver(channel, msg["data"])
            except redis.RedisError as exc:  # reconnect; sockets stay open meanwhile
                log.warning("websocket hub lost Redis (%s); reconnecting", exc)
                time.sleep(1.0)

    def _presence(self) -> None:
        """Mark connected users online (read by notification routing), for PRESENCE_TTL_S."""
        with self.lock:
            users = {c.who.user_id for c in self.clients if not c.dropped}
        if not users:
            return
        pipe = self.res.broker.pipeline(transaction=False)
        for uid in users:
            pipe.set(f"{PRESENCE_PREFIX}{uid}", 1, ex=PRESENCE_TTL_S)
        pipe.execute()

    def _snapshots(self) -> None:
        settings = self.res.settings
        while True:
            time.sleep(OPS_SNAPSHOT_S)
            with contextlib.suppress(redis.RedisError):
                self._presence()
            with self.lock:
                wanted = any("ops.queues" in c.channels for c in self.clients)
            if not wanted:
                continue
            try:
                snap = introspection.snapshot(
                    self.res.broker,
                    settings.broker.namespace,
                    timeout_ms=settings.worker.heartbeat_timeout_ms,
                )
            except redis.RedisError:
                continue
            self.deliver("ops.queues", orjson.dumps(channels.frame("ops.queues", snap)))


def allowed_channel(who: Principal, channel: str) -> str | None:
    """The scoped channel name ``who`` may subscribe to as ``channel``, or None."""
    if channel == "ops.queues":
        return channel if who.role == "operator" else None
    if channel == "notifications":
        return user_channel(who.org_id, who.user_id)
    if channel in {"jobs", "dashboard", "activity"}:
        return channels.org_channel(who.org_id, channel)
    return None


def _check_origin(allowed: tuple[str, ...]) -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser: the API key or ticket is the only credential
    host = urlsplit(origin).netloc
    if origin in allowed or host == request.host:
        return
    raise ApiError(403, f"origin {origin!r} is not allowed")


def _handshake_principal() -> Principal:
    ticket = request.args.get("ticket")
    if ticket is None:
        return authenticate()
    user_id = resources().broker.getdel(TICKET_PREFIX + ticket[:64])
    if user_id is None:
        raise ApiError(401, "invalid or expired websocket ticket")
    user = db().get(User, int(user_id))
    if user is None or user.disabled_at is not None:
        raise ApiError(401, "invalid or expired websocket ticket")
    return Principal(user_id=user.id, org_id=user.org_id, role=user.role)


def _search(ws: Any, client: Client, q: Any, limit: Any) -> None:
    """``{"op": "search", "q": …}``: live results as the user types, from the org's index."""
    if not isinstance(q, str) or not q.strip() or len(q) > 200 or "\x00" in q:
        ws.send(_error("search needs q: 1 to 200 characters").decode())
        return
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 50:
        ws.send(_error("limit must be 1 to 50").decode())
        return
    with resources().sessions() as session:
        result = search_index.search(
            session, client.who.org_id, q, limit=limit, user_id=client.who.user_id
        )
    data = {"q": q, "items": result.items, "took_ms": result.took_ms}
    ws.send(orjson.dumps(channels.frame("search", data, kind="search")).decode())


def _error(message: str) -> bytes:
    return orjson.dumps(channels.frame("error", {"message": message}, kind="error"))


def install(app: Flask, res: Resources) -> None:
    """Add ``/ws`` to ``app``."""
    hub = Hub(res)
    app.extensions["saleshub.hub"] = hub
    app.config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": 25,
        "max_message_size": 16_384,
        "event_class": _WakingEvent,
    }
    sock = Sock(app)

    @app.before_request
    def _guard() -> None:
        if request.path == "/ws":
            _check_origin(res.settings.web.ws_allowed_origins)
            g.ws_principal = _handshake_principal()
            db().close()
            # The socket's Server is built next, in this thread: its event wakes this queue.
            g.ws_outbox = _wake.queue = queue.Queue(SEND_QUEUE)

    @sock.route("/ws")
    def websocket(ws: Any) -> None:
        client = Client(who=g.ws_principal, outbox=g.ws_outbox)
        _wake.queue = None
        hub.add(client)
        try:
            _serve(ws, client)
        finally:
            hub.remove(client)

    def _serve(ws: Any, client: Client) -> None:
        ws.send(orjson.dumps(channels.frame("hello", {"role": client.who.role}, kind="hello")))
        while not client.dropped and not client.revoked and ws.connected:
            try:
                item = client.outbox.get(timeout=30)
            except queue.Empty:
                continue
            while item is not None or not client.outbox.empty():
                if item is not None:
                    ws.send(item.decode())
                try:
                    item = client.outbox.get_nowait()
                except queue.Empty:
                    break
            while (raw := ws.receive(timeout=0)) is not None:
                _handle(ws, client, raw)
        if client.revoked:
            ws.close(reason=1008, message="access revoked: authenticate again")
        elif client.dropped:
            ws.close(reason=1008, message="too slow: send queue overflowed")

    def _handle(ws: Any, client: Client, raw: str | bytes) -> None:
        try:
            msg = orjson.loads(raw)
            op = msg.get("op") if isinstance(msg, dict) else None
        except orjson.JSONDecodeError:
            ws.send(_error("malformed frame: send JSON objects").decode())
            return
        if op in {"subscribe", "unsubscribe"}:
            name = msg.get("channel")
            scoped = allowed_channel(client.who, name) if isinstance(name, str) else None
            if scoped is None:
                ws.send(_error(f"channel {name!r} is unknown or not allowed").decode())
                return
            if op == "subscribe":
                client.channels.add(scoped)
            else:
                client.channels.discard(scoped)
            ack = channels.frame(name, {"op": op, "ok": True}, kind="ack")
            ws.send(orjson.dumps(ack).decode())
        elif op == "search":
            _search(ws, client, msg.get("q"), msg.get("limit", 10))
        elif op == "ping":
            ws.send(orjson.dumps(channels.frame("", {}, kind="pong")).decode())
        else:
            ws.send(_error(f"unknown op {op!r}").decode())
