"""The ops views on RabbitMQ (``BROKER_KIND=rabbitmq``): AMQP 0-9-1, and the job ledger for
what AMQP cannot tell.

The private node runs without plugins (``scripts/services.sh``: no management listener),
so nothing here uses the management HTTP API; everything goes through pika, the client
Dramatiq's broker already uses, with the bounded connection parameters of
:func:`core.queueing.brokers.rabbitmq.parameters`. What each figure is:

- **ready** and **dead**: a passive ``queue.declare`` of ``q`` and ``q.XQ`` answers
  RabbitMQ's own count of ready messages and changes nothing.
- **in flight**: AMQP has no count of delivered-not-acked messages (only the management
  API's ``messages_unacknowledged``), so it is the ledger's ``running`` jobs of the queue.
  Messages a worker prefetched but has not started are not in it (Redis counts them).
- **delayed**: workers hold the delay queue's messages unacked in memory until their ETA,
  so the passive count of ``q.DQ`` is 0 while workers run; the ledger's jobs waiting for a
  retry (``queued`` after an attempt) stand in for them: the larger of the two.
- **oldest age**: from the ledger, the oldest dispatched, never-started ``queued`` job
  (0 when the queue has nothing ready). Not from a peek at the head message: AMQP has no
  peek that leaves a queue untouched, and ``basic.get`` + requeue on a quorum queue counts
  a delivery (``x-delivery-limit`` would dead-letter the head message after 20 peeks: a
  console open for 20 seconds), takes the message from a consumer waiting for it, and
  may reorder it.
- **dead letters**: a consumer without ack on ``q.XQ`` (at most :data:`READ_LIMIT` per
  queue a call, streamed with a prefetch of that size), then every message not removed
  is nacked back. Removing reads the same
  way and acks the messages that go. A browse holds the letters it reads for the length
  of the call; a letter is never lost, because RabbitMQ returns whatever a dropped
  connection held.
- **pause**: the paused set in the broker Redis, as with Redis; our RabbitMQ consumer
  (:class:`core.queueing.brokers.rabbitmq.PausableConsumer`) honours it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
import pika
import pika.exceptions
import redis
from dramatiq.common import dq_name, xq_name
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from core.ops.deadletters import DeadLetter, Position, last_line, matches
from core.ops.introspection import QueueStats
from core.ops.jobs import running_by_worker
from core.ops.redis_ops import workers as redis_workers
from core.queueing import pause
from core.queueing.brokers.base import BrokerUnavailable
from core.queueing.brokers.rabbitmq import parameters
from core.queueing.queues import NAMES, Queue
from models import JobStatus

log = logging.getLogger(__name__)

#: Dead letters read from one queue's ``q.XQ`` per call, at most: a browse reads them all
#: to order them newest first (a queue is oldest first).
READ_LIMIT = 5_000
#: How long a browse waits for RabbitMQ's count to show the letters it put back.
SETTLE_S = 2.0
#: A browse stops when no letter arrived for this long (RabbitMQ's count was high).
IDLE_S = 0.2
_ERRORS = (pika.exceptions.AMQPError, OSError)
_NOT_FOUND = 404

# Per queue: running jobs, jobs waiting for a retry, and the age of the oldest dispatched
# job never started. Uses ix_jobs_status_created (status IN the two active ones).
_LEDGER_SQL = text(
    f"""
SELECT queue,
       count(*) FILTER (WHERE status = '{JobStatus.RUNNING}'),
       count(*) FILTER (WHERE status = '{JobStatus.QUEUED}' AND attempts > 0),
       extract(epoch FROM now() - min(greatest(created_at, run_after))
               FILTER (WHERE status = '{JobStatus.QUEUED}' AND attempts = 0))
FROM jobs
WHERE status IN ('{JobStatus.QUEUED}', '{JobStatus.RUNNING}') AND dispatched_at IS NOT NULL
GROUP BY queue
"""  # noqa: S608  # nosec B608  # JobStatus values only, no input
)


def _died_at(props: Any, data: dict[str, Any]) -> float:
    """When RabbitMQ dead-lettered the message (``x-death``, whole seconds), in epoch s."""
    deaths = (props.headers or {}).get("x-death") or []
    for death in deaths:
        when = death.get("time")
        if when is not None:
            return float(when.timestamp())
    return float(data.get("message_timestamp", 0)) / 1000


def _letter(queue: str, props: Any, body: bytes) -> DeadLetter | None:
    try:
        data = orjson.loads(body)
        return DeadLetter(
            message_id=data["message_id"],
            redis_id=data["message_id"],
            queue=queue,
            actor=data["actor_name"],
            died_at=_died_at(props, data),
            error=last_line(data.get("options", {}).get("traceback")),
            message=data,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError):
        # Dramatiq dead-letters a body it cannot decode; it stays for a RabbitMQ tool.
        log.warning("undecodable dead letter on %s left in place", xq_name(queue))
        return None


def _position(letter: DeadLetter) -> Position:
    return (letter.died_at * 1000, letter.queue, letter.message_id)


class RabbitmqOps:
    """Queue figures, workers, dead letters and pause on RabbitMQ.

    Parameters:
      url: RabbitMQ (``RABBITMQ_URL``; ``;``-separated nodes, tried in turn).
      client: the broker Redis (pause state, heartbeats, minute buckets).
      namespace: Dramatiq's Redis key prefix (worker heartbeats live there).
      sessions: sessions on PostgreSQL, for the ledger's figures.
      timeout_s: bound of connecting and of every AMQP call.
    """

    def __init__(
        self,
        *,
        url: str,
        client: redis.Redis,
        namespace: str,
        sessions: sessionmaker[Session],
        timeout_s: float,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.sessions = sessions
        self.params = parameters(url, timeout_s)
        for p in self.params:
            # pika's blocking calls have no timeout of their own: a broker that stops
            # answering is noticed by missed heartbeats, so make those as short as the bound.
            p.heartbeat = max(1, round(timeout_s))

    @contextlib.contextmanager
    def _connection(self) -> Iterator[pika.BlockingConnection]:
        """A connection for one call, closed after it. Operators' reads are a few a second
        at most (a console's one-second snapshot, a scrape), so a connection per call is
        cheaper than keeping one alive across idle minutes of missed heartbeats."""
        try:
            conn = pika.BlockingConnection(self.params)
        except _ERRORS as exc:
            raise BrokerUnavailable(f"RabbitMQ: {exc!r}") from exc
        try:
            yield conn
        except _ERRORS as exc:
            raise BrokerUnavailable(f"RabbitMQ: {exc!r}") from exc
        finally:
            with contextlib.suppress(*_ERRORS):
                if conn.is_open:
                    conn.close()

    def _ready(self, names: Iterable[str]) -> dict[str, int]:
        """RabbitMQ's count of ready messages in each of ``names`` (0 for a queue never
        declared: nothing was ever sent to it)."""
        out: dict[str, int] = {}
        with self._connection() as conn:
            channel = conn.channel()
            for name in names:
                try:
                    out[name] = channel.queue_declare(name, passive=True).method.message_count
                except pika.exceptions.ChannelClosedByBroker as exc:
                    if exc.reply_code != _NOT_FOUND:
                        raise
                    out[name], channel = 0, conn.channel()
        return out

    def queue_stats(self) -> list[QueueStats]:
        """Every queue's figures: counts from RabbitMQ, in flight and age from the ledger."""
        counts = self._ready(n for q in NAMES for n in (q, dq_name(q), xq_name(q)))
        with self.sessions() as session:
            ledger = {row[0]: row[1:] for row in session.execute(_LEDGER_SQL)}
        paused = pause.paused_queues(self.client)
        out = []
        for q in Queue:
            running, retrying, oldest = ledger.get(q.value, (0, 0, None))
            ready = counts[q.value]
            out.append(
                QueueStats(
                    name=q.value,
                    pool=q.pool.value,
                    ready=ready,
                    delayed=max(counts[dq_name(q.value)], int(retrying)),
                    in_flight=int(running),
                    dead=counts[xq_name(q.value)],
                    oldest_age_seconds=round(max(0.0, float(oldest or 0)), 3) if ready else 0.0,
                    paused=q.value in paused,
                )
            )
        return out

    def workers(self, *, timeout_ms: int) -> list[dict[str, Any]]:
        """Live workers (Redis heartbeats, as with Redis); in flight is each one's running
        jobs in the ledger, as RabbitMQ keeps no per-consumer count AMQP can read."""
        live = redis_workers(self.client, self.namespace, timeout_ms=timeout_ms)
        with self.sessions() as session:
            running = running_by_worker(session, [w["id"] for w in live])
        return [{**w, "in_flight": len(running.get(w["id"], []))} for w in live]

    def _read(
        self, conn: pika.BlockingConnection, queue: str, take: Callable[[DeadLetter], bool]
    ) -> tuple[list[tuple[DeadLetter, bytes]], int]:
        """Every letter of ``queue`` (up to :data:`READ_LIMIT`) with its raw body, and how
        many ``take`` chose: those are acked (gone), the rest go back.

        A consumer with a prefetch as large as the queue, not one ``basic.get`` per letter:
        gets are a round trip each (1.0-1.4 ms a letter measured here, 5-7 s for 5,000),
        deliveries stream. It reads as many letters as RabbitMQ counted first, or stops
        when none came for :data:`IDLE_S` (a count that was high)."""
        channel = conn.channel()
        name = xq_name(queue)
        try:
            expected = min(
                channel.queue_declare(name, passive=True).method.message_count, READ_LIMIT
            )
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code != _NOT_FOUND:
                raise
            return [], 0  # never declared: no dead letters
        out: list[tuple[DeadLetter, bytes]] = []
        taken = held = 0
        if expected:
            channel.basic_qos(prefetch_count=expected)
            for method, props, body in channel.consume(name, inactivity_timeout=IDLE_S):
                if method is None:
                    break
                letter = _letter(queue, props, body)
                if letter is not None and take(letter):
                    channel.basic_ack(method.delivery_tag)
                    taken += 1
                else:
                    held += 1
                    if letter is not None:
                        out.append((letter, body))
                if taken + held >= expected:
                    break
            channel.cancel()  # pika rejects (requeues) whatever arrived beyond ``expected``
        if held:
            # Back now, on this channel, rather than when it closes: the queue applies this
            # channel's commands in order, so the next reader, on any channel, gets them
            # all. A passive declare's count is read from the queue's applied state and
            # lagged the nack in 1-4 of 300 tries here (tests/core/ops/test_brokerops.py
            # asserts counts right after browsing): wait, bounded, until it shows them.
            channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)
            self._settle(channel, name, held)
        channel.close()
        return out, taken

    def _settle(self, channel: Any, name: str, at_least: int) -> None:
        """Until ``name`` counts ``at_least`` ready messages, or :data:`SETTLE_S` passes."""
        deadline = time.monotonic() + SETTLE_S
        while channel.queue_declare(name, passive=True).method.message_count < at_least:
            if time.monotonic() > deadline:
                log.warning("%s: returned dead letters not counted after %ss", name, SETTLE_S)
                return
            time.sleep(0.005)

    def _letters(
        self,
        *,
        queue: str | None = None,
        actor: str | None = None,
        text: str | None = None,
        message_id: str | None = None,
    ) -> list[DeadLetter]:
        needle = text.lower().encode() if text else None
        found: list[DeadLetter] = []
        with self._connection() as conn:
            for q in (queue,) if queue else NAMES:
                letters, _ = self._read(conn, q, lambda _letter: False)
                found += [
                    letter
                    for letter, raw in letters
                    if (needle is None or needle in raw.lower())
                    and matches(letter, actor=actor, message_id=message_id)
                ]
        return sorted(found, key=_position, reverse=True)

    def page(
        self,
        *,
        limit: int,
        after: Position | None = None,
        max_scanned: int = 20_000,
        **filters: Any,
    ) -> tuple[list[DeadLetter], Position | None]:
        """Up to ``limit`` dead letters after ``after``, newest first (``max_scanned`` is
        :data:`READ_LIMIT` per queue here: a queue is read whole to be ordered)."""
        rest = [d for d in self._letters(**filters) if after is None or _position(d) < after]
        out = rest[:limit]
        return out, (_position(out[-1]) if len(rest) > limit else None)

    def count(self, **filters: Any) -> int:
        """How many dead letters match ``filters`` (RabbitMQ's count without a filter
        beyond the queue)."""
        if not filters.get("actor") and not filters.get("text") and not filters.get("message_id"):
            names = [xq_name(filters["queue"])] if filters.get("queue") else map(xq_name, NAMES)
            return sum(self._ready(names).values())
        return len(self._letters(**filters))

    def matching(self, **filters: Any) -> Iterator[DeadLetter]:
        """Every dead letter matching ``filters``."""
        return iter(self._letters(**filters))

    def find(self, **filters: Any) -> list[DeadLetter]:
        """Dead letters matching ``filters``, newest first."""
        return self._letters(**filters)

    def get(self, message_id: str, *, queue: str | None, redis_id: str | None) -> DeadLetter | None:
        """The dead letter of ``message_id``: in the ledger's queue first, then anywhere."""
        for where in (queue, None) if queue else (None,):
            found = self._letters(queue=where, message_id=message_id)
            if found:
                return found[0]
        return None

    def remove(self, letters: list[DeadLetter]) -> int:
        """Ack ``letters`` out of their ``q.XQ``; return how many were removed."""
        by_queue: dict[str, set[str]] = {}
        for letter in letters:
            by_queue.setdefault(letter.queue, set()).add(letter.message_id)
        removed = 0
        if not by_queue:
            return 0
        with self._connection() as conn:
            for queue, ids in by_queue.items():
                _, taken = self._read(conn, queue, lambda d, ids=ids: d.message_id in ids)  # type: ignore[misc]
                removed += taken
        return removed

    def pause(self, queue: str) -> bool:
        """Pause ``queue`` (the paused set in the broker Redis); False if it was already."""
        return pause.pause(self.client, queue)

    def resume(self, queue: str) -> bool:
        """Resume ``queue``; False if it was not paused."""
        return pause.resume(self.client, queue)
