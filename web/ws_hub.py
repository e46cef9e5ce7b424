"""The websocket hub: per-process fan-out from Redis pub/sub to the local sockets.

Split from ``web.ws`` (the ``/ws`` view and its handshake), which installs it; see there.
It also turns the idle sockets' timer wheel (pings, lease renewals, presence), re-checks
open sockets' keys and users every ``RECHECK_S``, and sends ops snapshots.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from datetime import UTC, datetime

import orjson
import redis
from redis.client import PubSub
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from core import channels
from core.ops import introspection
from core.queueing.brokers.base import BrokerUnavailable
from core.queueing.supervisor import run_supervised
from jobs.notifications import PRESENCE_PREFIX
from models import ApiKey, User
from web.auth import usable_key
from web.ext import Resources
from web.ws_client import Client, try_again_all
from web.ws_frames import text_frame
from web.ws_limits import RENEW_S, SocketLeases
from web.ws_live import Live, dirty_org
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
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
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
            thread = threading.Thread(
                target=run_supervised,
                args=(name, loop),
                kwargs={"stopping": self.stopping},
                name=name,
                daemon=True,
            )
            thread.start()
            self.threads.append(thread)
        self.listening.wait(5)  # so the first socket misses nothing published after it joined

    def stop(self) -> None:
        """Ask the loops to end (each within a second); the sockets are left to their threads."""
        self.stopping.set()

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
        while not self.stopping.wait(RECHECK_S):
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
        while not self.stopping.is_set():
            try:
                with self.res.broker.pubsub(ignore_subscribe_messages=True) as pubsub:
                    pubsub.psubscribe(channels.PATTERN)
                    pubsub.get_message(timeout=5)  # the subscription's confirmation
                    self.listening.set()
                    self._relay(pubsub)
            except redis.RedisError as exc:
                if self.stopping.is_set():
                    return
                # No events reach the sockets meanwhile: 1013 tells clients to come back later.
                log.warning("websocket hub lost Redis (%s); reconnecting", exc)
                with self.lock:
                    clients = list(self.clients)
                try_again_all(clients)
                self.stopping.wait(1.0)

    def _relay(self, pubsub: PubSub) -> None:
        """Hand each published event to its sockets until the hub stops (checked each
        second: a message wakes the wait at once)."""
        while not self.stopping.is_set():
            msg = pubsub.get_message(timeout=1.0)
            if msg is None:
                continue
            channel = channels.channel_of(msg["channel"])
            org_id = dirty_org(channel)
            if org_id is not None:
                self.live.dirty(org_id)
            else:
                self.deliver(channel, msg["data"])

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
        while not self.stopping.wait(WHEEL_TURN_S):
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
