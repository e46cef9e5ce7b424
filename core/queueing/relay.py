"""The outbox relay: moves staged jobs from PostgreSQL to the broker.

Staged jobs are the rows of ``job_outbox`` (kept by triggers on ``jobs``). Batches are
claimed with ``FOR UPDATE SKIP LOCKED`` (several relays may run), published to the broker as
one batch (:mod:`core.queueing.brokers`: a Redis pipeline, or RabbitMQ publisher confirms),
and, in the same transaction, their outbox rows deleted and their jobs stamped
``dispatched_at`` (a heap-only update), only once the broker has taken the whole batch: if
the broker is down the transaction rolls back and the rows wait; if the relay dies after the
publish and before the commit, the rows are sent again and the ledger skips the copy of a
finished job. A backlog is drained on ``RELAY_CONNECTIONS`` connections at once (each claims
its own batches; docs/decisions/0041-relay-parallel-drain.md). The relay wakes on
``LISTEN``/``NOTIFY``, so added latency is milliseconds, and polls once a second as a safety
net. Its heartbeat, counters and backpressure read the broker Redis (``BROKER_URL``, or
``BROKER_REDIS_URL`` with RabbitMQ) whatever the broker of job messages.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

import orjson
import psycopg
from dramatiq import Broker, Message
from redis.exceptions import RedisError

from core.ops.backpressure import platform_overload
from core.queueing.brokers import BrokerUnavailable, Sent, publisher_for
from core.queueing.brokers.depths import write_ready
from core.queueing.ledger_conn import ASYNC_COMMIT, REPLAN_S
from core.queueing.outbox import NOTIFY_CHANNEL
from core.queueing.queues import NAMES
from core.queueing.relay_sql import (
    CLAIM_NAME,
    MARK,
    PREPARE,
    SET_ASIDE_SQL,
    SUSPECTS,
    mark,
)
from core.queueing.supervisor import flush_restarts, restarts, run_supervised
from core.settings import Settings

log = logging.getLogger(__name__)

# The last heartbeat of any relay (JSON: at, pid, host, restarts), read by ``/health``.
# No TTL: a relay silent since its last beat is told from one that never ran.
HEARTBEAT_KEY = "saleshub:relay:heartbeat"
HEARTBEAT_EVERY_S = 1.0
# How long the relay trusts the broker's last "under its limits" answer, one batch a pass.
CLEAR_REUSE_S = 1.0
# How many malformed staged messages relays have set aside (``/metrics``); an integer.
SET_ASIDE_KEY = "saleshub:relay:set_aside"


class Relay:
    """Drain the outbox into the broker, re-send lost messages, and drive broker maintenance.

    Parameters:
      settings: database URL, batch size, re-send grace and maintenance interval.
      broker: the configured Dramatiq broker (Redis or RabbitMQ) to publish to; its
        ``client`` is the broker Redis.
    """

    def __init__(self, settings: Settings, broker: Broker) -> None:
        self.settings = settings
        self.broker = broker
        self.client = broker.client  # type: ignore[attr-defined]
        self.publisher = publisher_for(broker, settings)
        self.stopping = threading.Event()
        self._last_resend = 0.0
        self._last_maintenance = 0.0
        self._last_beat = 0.0
        self._last_ready = 0.0
        self._clear_at = -math.inf  # when the broker last said it was under its limits
        self._helpers: ThreadPoolExecutor | None = None
        # Per connection: when its statements were prepared, and whether its last claim
        # took more than one row (load, when ``jobs`` can have grown under an old plan).
        self._planned: weakref.WeakKeyDictionary[psycopg.Connection[Any], tuple[float, bool]]
        self._planned = weakref.WeakKeyDictionary()
        #: Longest a connection's plans are kept under load (as the ledger's, 0049, 0050).
        self.replan_s = REPLAN_S
        size = int(settings.broker.relay_batch_size)
        self._begin_and_claim = f"BEGIN; EXECUTE {CLAIM_NAME}({size})".encode()

    @property
    def width(self) -> int:
        """How many connections a backlog is drained on (1 where the publisher is serial)."""
        return self.settings.broker.relay_connections if self.publisher.concurrent else 1

    @contextmanager
    def connections(
        self,
    ) -> Iterator[tuple[psycopg.Connection[Any], list[psycopg.Connection[Any]]]]:
        """The relay's connection and its helpers' (:attr:`width` in all), closed after.

        Their commits do not wait for the WAL flush (``synchronous_commit = off``, as the
        ledger's, 0002): a commit lost with PostgreSQL's crash leaves its rows staged, and
        they are sent again, as after a relay killed between the publish and the commit.
        A pass no longer waits for a disk flush (0.5 ms at p50 here, 4 ms at p90) before
        the next claim (docs/decisions/0047).
        """
        dsn = self.settings.database.psycopg_dsn
        with ExitStack() as stack:
            conns = [
                stack.enter_context(
                    psycopg.connect(
                        dsn, autocommit=True, options=ASYNC_COMMIT, prepare_threshold=None
                    )
                )
                for _ in range(self.width)
            ]
            yield conns[0], conns[1:]

    def _push(self, messages: list[tuple[uuid.UUID, Message[Any]]]) -> tuple[list[str], ...]:
        """Publish messages as one batch; return (ids, broker ids, queues)."""
        sent = self.publisher.publish([m for _, m in messages])
        return (
            [str(job_id) for job_id, _ in messages],
            [s.broker_id for s in sent],
            [s.queue for s in sent],
        )

    def _parse(
        self, cur: psycopg.Cursor[Any], rows: list[tuple[uuid.UUID, Any]]
    ) -> list[tuple[uuid.UUID, Message[Any]]]:
        """The rows' messages; malformed ones are set aside (``dead``, with the reason).

        A staged message the relay cannot send (not a Dramatiq message, an unknown queue)
        would otherwise fail the whole batch on every pass: the relay would crash-loop and
        the outbox stop draining behind it. It is marked ``dead`` in the same transaction,
        counted in ``SET_ASIDE_KEY`` and logged; the rest of the batch goes on.
        """
        good: list[tuple[uuid.UUID, Message[Any]]] = []
        bad: list[tuple[str, str]] = []
        for job_id, data in rows:
            try:
                message = _message(data)
            except (TypeError, KeyError, ValueError, AttributeError) as exc:
                reason = f"malformed staged message, set aside by the relay: {exc!r}"[:1000]
                log.error("job %s: %s", job_id, reason)
                bad.append((str(job_id), reason))
            else:
                good.append((job_id, message))
        if bad:
            cur.execute(SET_ASIDE_SQL, ([b[0] for b in bad], [b[1] for b in bad]))
            self.client.incrby(SET_ASIDE_KEY, len(bad))
        return good

    def drain_once(self, conn: psycopg.Connection[Any]) -> int:
        """Send one batch of staged jobs; return how many rows it took (sent or set aside).

        One transaction, as ``conn.transaction()`` would make it, but begun in the claim's
        own round trip; anything raised rolls it back, so the claimed rows stay staged.
        """
        query = self._begin_and_claim
        planned_at, loaded = self._planned.pop(conn, (None, False))
        now = time.monotonic()
        if planned_at is None or (loaded and now - planned_at >= self.replan_s):
            # New, after an error, or under load with old plans: a quiet job's pass is not
            # planned afresh for nothing (0.3 ms of PostgreSQL's CPU a plan).
            query, planned_at = PREPARE + b"; " + query, now
        with conn.cursor() as cur:
            try:
                cur.execute(query)
                while cur.description is None and cur.nextset():
                    pass  # to the claim's rows, after the empty results before them
                claimed = cur.fetchall()  # and taken out of the outbox
                rows = [(job_id, message) for job_id, message, staged in claimed if staged]
                good = self._parse(cur, rows)
                if good:
                    mark(conn, *self._push(good))
                cur.execute(b"COMMIT")
            except BaseException:
                # A connection that is gone cannot roll back; the server already has.
                with suppress(psycopg.Error):
                    conn.rollback()
                raise  # and the connection's statements are prepared again on its next pass
        self._planned[conn] = (planned_at, len(claimed) > 1)
        return len(claimed)

    def drain(
        self, conn: psycopg.Connection[Any], helpers: Sequence[psycopg.Connection[Any]] = ()
    ) -> int:
        """Send staged jobs until none is left; return how many were sent.

        When the first batch comes back full there is a backlog: each of ``helpers`` (more
        connections, :meth:`connections`) then drains beside ``conn`` in a thread of its
        own. ``SKIP LOCKED`` gives each its own rows, and each batch is still published
        before its own transaction marks it sent. One connection waits on PostgreSQL while
        another waits on the broker: 1.45x the messages a second on two cores (0041).
        """
        first = self.drain_once(conn)
        if first < self.settings.broker.relay_batch_size or self.stopping.is_set():
            return first
        if not helpers:
            return first + self._drain_on(conn)
        if self._helpers is None:
            self._helpers = ThreadPoolExecutor(len(helpers), thread_name_prefix="relay-drain")
        futures: list[Future[int]] = [self._helpers.submit(self._drain_on, h) for h in helpers]
        try:
            total = first + self._drain_on(conn)
        finally:
            wait(futures)  # their connections must be idle before anyone closes them
        return total + sum(f.result() for f in futures)  # a helper's error is raised here

    def _drain_on(self, conn: psycopg.Connection[Any]) -> int:
        total = 0
        while not self.stopping.is_set():
            sent = self.drain_once(conn)
            total += sent
            if sent < self.settings.broker.relay_batch_size:
                break
        return total

    def resend_lost(self, conn: psycopg.Connection[Any]) -> int:
        """Re-send queued or running jobs whose message the broker no longer holds."""
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(SUSPECTS, (self.settings.broker.resend_after_s, 1000))
            rows = cur.fetchall()
            if not rows:
                return 0
            present = self.publisher.holds([Sent(r[2] or "", r[3] or "") for r in rows])
            lost = [(r[0], r[1]) for r, here in zip(rows, present, strict=True) if not here]
            if not lost:
                return 0
            log.warning("re-sending %d jobs whose messages the broker lost", len(lost))
            good = self._parse(cur, lost)
            if not good:
                return 0
            ids, rids, queues = self._push(good)
            cur.execute(MARK, (ids, rids, queues))
        return len(lost)

    def maintain(self) -> None:
        """Requeue dead workers' unacked messages now (Redis; RabbitMQ does it itself)."""
        self.publisher.maintain()

    def sample_ready(self) -> None:
        """Copy the broker's ready counts to Redis once a second, where it keeps none there
        (RabbitMQ), for backpressure here and in web processes."""
        now = time.monotonic()
        if now - self._last_ready < 1.0:
            return
        ready = self.publisher.ready()
        if ready is not None:
            write_ready(self.client, ready)
        self._last_ready = now

    def beat(self) -> None:
        """Tell ``/health`` this relay is alive (at most every ``HEARTBEAT_EVERY_S``)."""
        now = time.monotonic()
        if now - self._last_beat < HEARTBEAT_EVERY_S:
            return
        value = {
            "at": time.time(),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "restarts": restarts("relay"),
        }
        self.client.set(HEARTBEAT_KEY, json.dumps(value))
        flush_restarts()
        self._last_beat = now

    def tick(
        self, conn: psycopg.Connection[Any], helpers: Sequence[psycopg.Connection[Any]] = ()
    ) -> None:
        """One pass: drain (unless the broker is over its limit), re-send and maintain.

        The broker's "not over its limit" answer is reused for ``CLEAR_REUSE_S``, for one
        batch a pass: a quiet job does not wait for the overload check's round trip
        (docs/decisions/0045). A batch that comes back full (a backlog) is followed by a
        fresh check before anything more is sent, so a reused answer lets at most one
        batch a pass past what a fresh check would have held.
        """
        self.sample_ready()
        if time.monotonic() - self._clear_at < CLEAR_REUSE_S:
            if self.drain_once(conn) >= self.settings.broker.relay_batch_size:
                self._check_and_drain(conn, helpers)
        else:
            self._check_and_drain(conn, helpers)
        now = time.monotonic()
        if now - self._last_maintenance >= self.settings.worker.maintenance_interval_s:
            self.maintain()
            self._last_maintenance = now
        if now - self._last_resend >= min(self.settings.broker.resend_after_s / 2, 30.0):
            self.resend_lost(conn)
            self._last_resend = now

    def _check_and_drain(
        self, conn: psycopg.Connection[Any], helpers: Sequence[psycopg.Connection[Any]]
    ) -> None:
        overload = platform_overload(self.client, self.settings)
        if overload is None:
            self._clear_at = time.monotonic()
            self.drain(conn, helpers)
        else:
            self._clear_at = -math.inf  # over the limit: ask again on the next pass
            log.warning("relay holding staged jobs: %s", overload.message)

    def run(self) -> None:
        """Relay until :meth:`stop`; survive PostgreSQL and Redis outages with backoff.

        Anything else raises: run it under :func:`core.queueing.supervisor.run_supervised`.
        """
        backoff = 0.1
        while not self.stopping.is_set():
            try:
                with (
                    psycopg.connect(self.settings.database.psycopg_dsn, autocommit=True) as listen,
                    self.connections() as (conn, helpers),
                ):
                    listen.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    log.info("relay listening on %s", NOTIFY_CHANNEL)
                    while not self.stopping.is_set():
                        self.tick(conn, helpers)
                        self.beat()
                        backoff = 0.1
                        for _ in listen.notifies(timeout=1.0, stop_after=1):
                            pass
            except (psycopg.Error, RedisError, BrokerUnavailable, OSError) as exc:
                # The claimed batch rolled back: nothing is lost, it is sent when we are back.
                log.warning("relay paused (%s); retrying in %.1fs", exc, backoff)
            self.stopping.wait(backoff)
            backoff = min(backoff * 2, 5.0)

    def run_supervised(self) -> None:
        """:meth:`run`, restarted with backoff when it raises something unexpected."""
        run_supervised("relay", self.run, stopping=self.stopping)

    def stop(self) -> None:
        """Ask :meth:`run` to return."""
        self.stopping.set()


def _message(text: str) -> Message[Any]:
    """The Dramatiq message a staged row holds (its JSON text); raises if it is not one we
    can send."""
    data = _loads(text)
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    message: Message[Any] = Message(**data)
    if message.queue_name not in NAMES:
        raise ValueError(f"unknown queue {message.queue_name!r}")
    if not isinstance(message.options, dict) or not isinstance(message.args, (list, tuple)):
        raise TypeError("options must be an object and args a list")
    if not isinstance(message.kwargs, dict) or not isinstance(message.actor_name, str):
        raise TypeError("kwargs must be an object and actor_name a string")
    return message  # from JSON, so the publisher can encode it (brokers.redis.encode)


# A run of 19 digits or more: an integer orjson may not hold in 64 bits (it would read it as
# a float); such a row takes the json module, which keeps every integer exact.
_LONG_NUMBER = re.compile(r"\d{19}")


def _loads(text: str) -> Any:
    return json.loads(text) if _LONG_NUMBER.search(text) else orjson.loads(text)


def set_aside_count(client: Any) -> int:
    """How many malformed staged messages relays have set aside, ever."""
    return int(client.get(SET_ASIDE_KEY) or 0)


def read_heartbeat(client: Any) -> dict[str, Any] | None:
    """The last relay heartbeat, or None if no relay ever reported."""
    raw = client.get(HEARTBEAT_KEY)
    if raw is None:
        return None
    value: dict[str, Any] = json.loads(raw)
    return value
