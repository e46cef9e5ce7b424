"""The live features on ``/ws``: activity resume, dashboard deltas, presence, live search.

The hub (``web.ws``) calls :class:`Live` when a socket opens or closes, when one subscribes,
on its periodic tick and when a dashboard "dirty" signal arrives; the logic that does not
need a socket lives in ``core.live``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import channels
from core import search as search_index
from core.live import activity, dashboard, presence
from models.db import scope_to_org
from web.ext import Resources
from web.ws_client import Client
from web.ws_frames import text_frame

log = logging.getLogger(__name__)
DIRTY_SUFFIX = ":dashboard.dirty"

# Runs one search: (org id, user id, query, limit) -> the answer's data.
Searcher = Callable[[int, int, str, int], dict[str, Any]]


def encode(channel: str, data: Any, kind: str) -> bytes:
    return orjson.dumps(channels.frame(channel, data, kind=kind))


def error(message: str) -> bytes:
    return encode("error", {"message": message}, "error")


def dirty_org(channel: str) -> int | None:
    """The org whose dashboard a ``org:<id>:dashboard.dirty`` channel marks, else None."""
    if not channel.endswith(DIRTY_SUFFIX) or not channel.startswith("org:"):
        return None
    with contextlib.suppress(ValueError):
        return int(channel[4 : -len(DIRTY_SUFFIX)])
    return None


class Live:
    """The live features of one realtime process.

    Parameters:
      res: the app's resources (broker Redis, sessions, settings).
      clients: the hub's open sockets and the lock that guards the set.
    """

    def __init__(self, res: Resources, clients: set[Client], lock: threading.Lock) -> None:
        self.res = res
        self.clients = clients
        self.lock = lock
        self.limits = res.settings.realtime
        self.rounds: set[int] = set()  # orgs this process coalesces right now
        self.searcher: Searcher = self.run_search

    @contextlib.contextmanager
    def session(self, org_id: int) -> Iterator[Session]:
        """A session for ``org_id``'s reads, behind row-level security for that org.

        The second wall, as for a request (``web``) or a job (``jobs.runtime``): a query
        that forgets its org filter still sees only this org's rows.
        """
        with self.res.sessions() as session:
            scope_to_org(session, org_id)
            yield session

    # presence ---------------------------------------------------------------------------

    def opened(self, client: Client) -> None:
        who = client.who
        ttl = self.limits.presence_ttl_s
        if presence.join(self.res.broker, who.org_id, who.user_id, client.sid, ttl_s=ttl):
            self._announce(who.org_id, [who.user_id], "join")

    def closed(self, client: Client) -> None:
        who = client.who
        if presence.leave(self.res.broker, who.org_id, who.user_id, client.sid):
            self._announce(who.org_id, [who.user_id], "leave")

    def _announce(self, org_id: int, users: list[int], kind: str) -> None:
        events = [
            (channels.org_channel(org_id, "presence"), encode("presence", {"user_id": u}, kind))
            for u in users
        ]
        channels.publish_encoded(self.res.broker, events)

    def tick(self, due: Iterable[Client], *, reap: bool) -> None:
        """Renew the heartbeats of ``due`` (the hub's wheel spreads sockets over the period);
        with ``reap``, also reap this process's orgs' sockets that went silent."""
        presence.heartbeat(self.res.broker, [(c.who.org_id, c.who.user_id, c.sid) for c in due])
        if not reap:
            return
        with self.lock:
            orgs = {c.who.org_id for c in self.clients}
        for org_id in orgs:
            gone = presence.reap(self.res.broker, org_id, ttl_s=self.limits.presence_ttl_s)
            if gone:
                self._announce(org_id, gone, "leave")

    # subscriptions ----------------------------------------------------------------------

    def subscribed(self, client: Client, name: str, msg: dict[str, Any]) -> list[bytes]:
        """The frames a new subscriber of ``name`` gets after its ack (state, or what it missed)."""
        org_id = client.who.org_id
        if name == "presence":
            ttl = self.limits.presence_ttl_s
            gone = presence.reap(self.res.broker, org_id, ttl_s=ttl)
            if gone:
                self._announce(org_id, gone, "leave")
            users = presence.online(self.res.broker, org_id)
            return [encode("presence", {"users": users}, "snapshot")]
        if name == "dashboard":
            with self.session(org_id) as session:
                current = dashboard.figures(session, org_id)
            dashboard.remember(self.res.broker, org_id, current)
            return [encode("dashboard", {"full": True, "figures": current}, "snapshot")]
        if name == "activity":
            return self._resume(client, msg.get("since"))
        return []

    def _resume(self, client: Client, since: Any) -> list[bytes]:
        broker, org_id = self.res.broker, client.who.org_id
        if since is None:
            start = activity.head(broker, org_id)  # a new reader starts at the newest entry
            return [activity.with_offset(encode("activity", {}, "head"), start)]
        if not isinstance(since, str) or activity.parse_offset(since) is None:
            return [error("since must be an activity offset such as 1733300000000-0")]
        got = activity.replay(broker, org_id, since)
        if got.resync:
            return [activity.resync_frame(got.head)]
        # Live frames queued meanwhile that the replay already holds are skipped (web.ws).
        client.activity_floor = activity.parse_offset(got.head)
        return got.frames

    # dashboard --------------------------------------------------------------------------

    def dirty(self, org_id: int) -> None:
        """A write changed ``org_id``'s figures: coalesce a push, if anyone here watches."""
        wanted = channels.org_channel(org_id, "dashboard")
        with self.lock:
            if org_id in self.rounds or not any(wanted in c.channels for c in self.clients):
                return
        interval = self.limits.dashboard_interval_s
        try:
            wait = dashboard.claim(self.res.broker, org_id, interval)
        except redis.RedisError:
            log.warning("dashboard coalescing: Redis unavailable", exc_info=True)
            return
        if wait is None:  # another process runs this round
            return
        with self.lock:
            self.rounds.add(org_id)
        threading.Thread(target=self._round, args=(org_id, wait), daemon=True).start()

    def _round(self, org_id: int, wait: float) -> None:
        try:
            time.sleep(wait)
            broker = self.res.broker
            dashboard.release(broker, org_id)
            with self.session(org_id) as session:
                current = dashboard.figures(session, org_id)
            changed = dashboard.push(broker, org_id, current, release=False)
            if changed:
                frame = encode("dashboard", {"full": False, "figures": changed}, "event")
                channels.publish_encoded(
                    broker, [(channels.org_channel(org_id, "dashboard"), frame)]
                )
        except (redis.RedisError, SQLAlchemyError):  # a dependency down: the next write retries
            log.warning("dashboard push of org %s failed", org_id, exc_info=True)
        finally:
            with self.lock:
                self.rounds.discard(org_id)

    # live search ------------------------------------------------------------------------

    def search_request(self, client: Client, msg: dict[str, Any]) -> bytes | None:
        """``{"op": "search", "q", "limit", "seq"}``: start it, or the error frame to send."""
        q, limit, seq = msg.get("q"), msg.get("limit", 10), msg.get("seq")
        if not isinstance(q, str) or not q.strip() or len(q) > 200 or "\x00" in q:
            return error("search needs q: 1 to 200 characters")
        if not _small_int(limit) or not 1 <= limit <= 50:
            return error("limit must be 1 to 50")
        if seq is None:
            seq = client.search_seq + 1
        elif not _small_int(seq) or seq < 0:
            return error("seq must be a non-negative integer")
        self.search(client, seq, q, limit)
        return None

    def search(self, client: Client, seq: int, q: str, limit: int) -> None:
        """Run the socket's latest query; one at a time, answers to older ones dropped."""
        start = False
        with client.search_lock:
            client.search_seq = seq
            client.search_next = (seq, q, limit)
            if not client.search_busy:
                client.search_busy = start = True
        if start:
            threading.Thread(target=self._searches, args=(client,), daemon=True).start()

    def run_search(self, org_id: int, user_id: int, q: str, limit: int) -> dict[str, Any]:
        with self.session(org_id) as session:
            result = search_index.search(session, org_id, q, limit=limit, user_id=user_id)
        return {"q": q, "items": result.items, "took_ms": result.took_ms}

    def _searches(self, client: Client) -> None:
        while True:
            with client.search_lock:
                job, client.search_next = client.search_next, None
                if job is None or client.dropped:
                    client.search_busy = False
                    return
            seq, q, limit = job
            try:
                data = self.searcher(client.who.org_id, client.who.user_id, q, limit)
            except SQLAlchemyError:
                log.warning("live search failed", exc_info=True)
                data = None
            if seq != client.search_seq:  # a newer query came in meanwhile: drop this answer
                continue
            if data is None:
                payload = error("search is unavailable; try again")
            else:
                payload = encode("search", {**data, "seq": seq}, "search")
            client.offer(payload, text_frame(payload))


def _small_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53
