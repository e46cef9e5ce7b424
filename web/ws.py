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
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import redis
from flask import Flask, Response, g, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from core import channels
from core.notify.fanout import user_channel
from core.ops import introspection
from core.queueing.brokers.base import BrokerUnavailable
from core.queueing.supervisor import run_supervised
from jobs.notifications import PRESENCE_PREFIX
from models import ApiKey, User
from web.auth import Principal, usable_key
from web.errors import ApiError
from web.ext import Resources, close_db
from web.spec import may_answer
from web.ws_client import UNAVAILABLE, Client, Inbound, NoThread, release_handshake, try_again_all
from web.ws_frames import SendTimeout, abort, cooperative, text_frame
from web.ws_handshake import check_origin, handshake_principal, websocket_url
from web.ws_limits import RENEW_S, RETRY_AFTER_S, Lease, SocketLeases, TokenBucket
from web.ws_live import Live, dirty_org, error
from web.ws_wheel import Wheel

log = logging.getLogger(__name__)
OPS_SNAPSHOT_S = 2.0
# The hub's wheel turns once a second; its per-socket jobs run every so many turns.
WHEEL_TURN_S = 1.0
# How often every socket is pinged; one that did not answer the previous ping is cut.
PING_S = 25
PRESENCE_TTL_S = 30
# How often open sockets' keys and users are checked again.
RECHECK_S = 5.0


@dataclass(frozen=True, slots=True)
class Accepted:
    """An admitted handshake: who, the cap lease it holds, whether it offered no extension."""

    who: Principal
    lease: Lease
    plain: bool


class Hub:
    """Per-process fan-out from Redis pub/sub to local sockets.

    Parameters:
      res: the app's resources (broker Redis for pub/sub and snapshots).
    """

    def __init__(self, res: Resources) -> None:
        self.res = res
        self.leases = SocketLeases(
            res.broker,
            max_per_user=res.settings.realtime.max_per_user,
            max_per_org=res.settings.realtime.max_per_org,
        )
        self.clients: set[Client] = set()
        self.lock = threading.Lock()
        self.started = False
        self.listening = threading.Event()
        self.live = Live(res, self.clients, self.lock)
        # Presence heartbeats reach each socket every third of the TTL.
        self.beat_turns = max(1, int(res.settings.realtime.presence_ttl_s / 3))
        self.wheel: Wheel[Client] = Wheel((PING_S, int(RENEW_S), self.beat_turns))

    def start(self) -> None:
        """Start the listener and snapshot threads once, on the first socket."""
        with self.lock:
            if self.started:
                return
            self.started = True
        # Each loop restarts with backoff (logged, counted in /metrics) if it ever raises.
        for name, loop in (
            ("ws-listener", self._listen),
            ("ws-snapshots", self._snapshots),
            ("ws-recheck", self._recheck_loop),
        ):
            threading.Thread(
                target=run_supervised, args=(name, loop), name=name, daemon=True
            ).start()
        self.listening.wait(5)  # so the first socket misses nothing published after it joined

    def add(self, client: Client) -> None:
        self.start()
        with self.lock:
            self.clients.add(client)
            self.wheel.add(client)
        with contextlib.suppress(redis.RedisError):
            self.res.broker.set(f"{PRESENCE_PREFIX}{client.who.user_id}", 1, ex=PRESENCE_TTL_S)
            self.live.opened(client)

    def remove(self, client: Client) -> None:
        with self.lock:
            self.clients.discard(client)
            self.wheel.remove(client)
        with contextlib.suppress(redis.RedisError):
            self.live.closed(client)

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
        if not targets:
            return
        frame = text_frame(data)
        for c in targets:
            c.offer(data, frame)

    def _listen(self) -> None:
        while True:
            try:
                pubsub = self.res.broker.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(channels.PATTERN)
                pubsub.get_message(timeout=5)  # the subscription's confirmation
                self.listening.set()
                for msg in pubsub.listen():
                    channel = channels.channel_of(msg["channel"])
                    org_id = dirty_org(channel)
                    if org_id is not None:
                        self.live.dirty(org_id)
                    else:
                        self.deliver(channel, msg["data"])
            except redis.RedisError as exc:
                # No events reach the sockets meanwhile: 1013 tells clients to come back later.
                log.warning("websocket hub lost Redis (%s); reconnecting", exc)
                with self.lock:
                    clients = list(self.clients)
                try_again_all(clients)
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

    def turn(self) -> None:
        """One turn of the wheel: ping, renew the leases of and heartbeat the sockets due.

        Each socket is pinged every ``PING_S`` turns, its lease renewed every ``RENEW_S``
        and its presence heartbeat every third of the presence TTL, but a wheel spreads the
        sockets over those periods: every turn handles a slice, so a thousand idle sockets
        cost a steady trickle, not a burst every few seconds (``web.ws_wheel``)."""
        with self.lock:
            wheel = self.wheel
            pings, renewals = wheel.due(PING_S), wheel.due(int(RENEW_S))
            beats, reap = wheel.due(self.beat_turns), wheel.turn % self.beat_turns == 0
            wheel.advance()
        young = time.monotonic() - PING_S
        for c in pings:  # Redis or not
            if c.opened_at <= young:
                c.ping()
        with contextlib.suppress(redis.RedisError):
            leases = [c.lease for c in renewals if c.lease is not None]
            if leases:
                self.leases.renew(leases)
            self.live.tick(beats, reap=reap)

    def _snapshots(self) -> None:
        settings = self.res.settings
        snapped = marked = time.monotonic()
        while True:
            time.sleep(WHEEL_TURN_S)
            self.turn()
            if time.monotonic() - marked >= OPS_SNAPSHOT_S:
                marked = time.monotonic()
                with contextlib.suppress(redis.RedisError):
                    self._presence()
            if time.monotonic() - snapped < OPS_SNAPSHOT_S:
                continue
            snapped = time.monotonic()
            with self.lock:
                wanted = any("ops.queues" in c.channels for c in self.clients)
            if not wanted:
                continue
            try:
                snap = introspection.snapshot(
                    self.res.ops, self.res.broker, timeout_ms=settings.worker.heartbeat_timeout_ms
                )
            except (redis.RedisError, BrokerUnavailable, SQLAlchemyError):
                # (On RabbitMQ the snapshot reads the ledger too: core.ops.rabbitmq_ops.)
                continue
            self.deliver("ops.queues", orjson.dumps(channels.frame("ops.queues", snap)))


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
            who=g.ws_principal,
            lease=g.pop("ws_lease"),
            plain=not request.headers.get("Sec-WebSocket-Extensions"),
        )
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
