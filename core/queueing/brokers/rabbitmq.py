"""Dramatiq's RabbitMQ broker on quorum queues, and the relay's batched, confirmed publisher.

Every queue (``q``, its delay queue ``q.DQ`` and its dead letters ``q.XQ``) is a quorum
queue: replicated on a cluster's nodes, and able to count deliveries, so a message that
keeps killing its worker is dead-lettered after ``RABBITMQ_DELIVERY_LIMIT`` deliveries
instead of being redelivered forever (Dramatiq #213). A worker that dies (SIGKILL, lost
node) loses its AMQP connection, and RabbitMQ requeues its unacked messages at once: no
heartbeat timeout, no maintenance pass.

Dramatiq's ``enqueue`` (retries, deferrals, delays) waits for one confirm per message. The
relay publishes whole batches, so :class:`RabbitmqPublisher` sends the batch and then waits
for the confirms of all of it at once: one wait per batch, and RabbitMQ syncs the quorum
log once for many messages. It uses pika's channel under ``BlockingChannel`` (``_impl``),
whose own ``basic_publish`` waits per message, and the connection's ``_flush_output`` to
run I/O until the confirms are in; ``tests/core/queueing/test_rabbitmq.py``
pins the pika version this was written for (:data:`PIKA_VERSION`).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import pika
import pika.exceptions
import redis
from dramatiq import Consumer, Message
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL, RabbitmqBroker
from dramatiq.common import dq_name, xq_name
from dramatiq.errors import ConnectionClosed
from dramatiq.middleware import Middleware
from pika.spec import Basic

from core.queueing.brokers.base import BrokerUnavailable, Sent
from core.queueing.pause import PAUSE_CHECK_INTERVAL_S, PAUSED_KEY
from core.queueing.queues import NAMES

log = logging.getLogger(__name__)

PIKA_VERSION = "1.4.4"
_PIKA_ERRORS = (pika.exceptions.AMQPError, OSError)


def parameters(url: str, timeout_s: float) -> list[pika.URLParameters]:
    """Connection parameters of each node in ``url`` (``;``-separated), every wait bounded."""
    out = []
    for part in url.split(";"):
        params = pika.URLParameters(part.strip())
        params.socket_timeout = min(params.socket_timeout or timeout_s, timeout_s)
        params.stack_timeout = min(params.stack_timeout or timeout_s, timeout_s) + 1
        params.blocked_connection_timeout = params.blocked_connection_timeout or timeout_s
        params.connection_attempts = 1
        out.append(params)
    return out


class SalesHubRabbitmqBroker(RabbitmqBroker):
    """Dramatiq's RabbitMQ broker on quorum queues, with the broker Redis at hand.

    Parameters:
      url: RabbitMQ (``;``-separated nodes of a cluster).
      client: the broker Redis (pub/sub, leases, heartbeats, job status), as ``client``,
        where the Redis broker has it too.
      namespace: prefix of the Redis keys the platform reads beside the broker.
      prefetch: messages a consumer holds per queue (0: Dramatiq's default).
      delivery_limit: deliveries after which a message is dead-lettered.
      timeout_s: bound of connecting, of a socket call and of a blocked publish.
      middleware: the broker's middleware.
    """

    def __init__(
        self,
        *,
        url: str,
        client: redis.Redis,
        namespace: str,
        prefetch: int = 0,
        delivery_limit: int = 20,
        timeout_s: float = 10.0,
        middleware: list[Middleware] | None = None,
    ) -> None:
        super().__init__(confirm_delivery=True, middleware=middleware)
        self.parameters = parameters(url, timeout_s)
        self.client = client
        self.namespace = namespace
        self.prefetch = prefetch
        self.delivery_limit = delivery_limit
        # Who this worker is in the broker Redis (heartbeat, ops view, ledger attempts), as
        # the Redis broker's own id is.
        self.broker_id = str(uuid.uuid4())

    def declarations(self, queue_name: str) -> list[tuple[str, dict[str, Any]]]:
        """The three quorum queues of ``queue_name``, with their arguments."""
        main = self._build_queue_arguments(queue_name)
        dead = {"x-queue-type": "quorum", "x-message-ttl": DEAD_MESSAGE_TTL}
        return [(queue_name, main), (dq_name(queue_name), main), (xq_name(queue_name), dead)]

    def _build_queue_arguments(self, queue_name: str) -> dict[str, Any]:
        arguments: dict[str, Any] = super()._build_queue_arguments(queue_name)
        arguments["x-queue-type"] = "quorum"
        arguments["x-delivery-limit"] = self.delivery_limit
        return arguments

    def _declare_xq_queue(self, queue_name: str) -> Any:
        name, arguments = self.declarations(queue_name)[2]
        return self.channel.queue_declare(queue=name, durable=True, arguments=arguments)

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Any:
        """Dramatiq's consumer, holding ``BROKER_PREFETCH`` messages when set (not for a
        delay queue, whose messages wait in memory for their time), and stopping while
        its queue is paused."""
        if self.prefetch and not queue_name.endswith(".DQ"):
            prefetch = self.prefetch
        inner = super().consume(queue_name, prefetch, timeout)
        return PausableConsumer(inner, client=self.client, timeout_ms=timeout)


class PausableConsumer(Consumer):
    """Dramatiq's RabbitMQ consumer, which stops taking from a paused queue.

    Dramatiq has no pause, and RabbitMQ pushes to a consumer until it is cancelled, so
    this one asks the broker Redis whether its queue is in the paused set (at most once a
    second, as our Redis consumer does: :mod:`core.queueing.pause`). Paused, it cancels
    its ``basic.consume`` (pika returns the messages it had prefetched but not handed to
    Dramatiq to the queue), then answers idle while running the connection's I/O, so
    heartbeats and the acks of messages already running keep flowing. Resumed, it
    consumes again. Messages already handed to Dramatiq finish. Each return adds one to a
    message's delivery count on a quorum queue (``x-delivery-limit``).

    Parameters:
      inner: Dramatiq's consumer (its connection, channel and consume generator).
      client: the broker Redis, which holds the paused set.
      timeout_ms: how long one idle turn waits (Dramatiq's worker timeout).
    """

    def __init__(self, inner: Any, *, client: redis.Redis, timeout_ms: int) -> None:
        self.inner = inner
        self.client = client
        self.queue_name = inner.queue_name
        self._canonical = inner.queue_name.removesuffix(".DQ")
        self._idle_s = timeout_ms / 1000
        # pika's consume() is a generator: nothing is consumed until its first next(), so
        # the first unpaused turn starts it (a fresh one), and a paused start cancels nothing.
        self._consuming = False
        self._paused = False
        self._checked = float("-inf")

    def _is_paused(self) -> bool:
        now = time.monotonic()
        if now - self._checked >= PAUSE_CHECK_INTERVAL_S:
            try:
                self._paused = bool(self.client.sismember(PAUSED_KEY, self._canonical))
            except redis.RedisError:
                self._paused = False  # Redis down: keep working, as the Redis consumer does
            self._checked = now
        return self._paused

    def __next__(self) -> Any:
        try:
            if self._is_paused():
                if self._consuming:
                    self.inner.channel.cancel()
                    self._consuming = False
                self.inner.connection.process_data_events(time_limit=self._idle_s)
                return None
            if not self._consuming:
                self.inner.iterator = self.inner.channel.consume(
                    self.queue_name, inactivity_timeout=self._idle_s
                )
                self._consuming = True
        except (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError) as exc:
            raise ConnectionClosed(exc) from None
        return next(self.inner)

    def ack(self, message: Any) -> None:
        self.inner.ack(message)

    def nack(self, message: Any) -> None:
        self.inner.nack(message)

    def requeue(self, messages: Any) -> None:
        self.inner.requeue(messages)

    def close(self) -> None:
        self.inner.close()


class RabbitmqPublisher:
    """Publish batches to RabbitMQ and return once every message of a batch is confirmed.

    Parameters:
      broker: the broker whose queues (and their arguments) to publish to.
      confirm_timeout_s: a batch not wholly confirmed by then raises :class:`BrokerUnavailable`.
    """

    #: One pika ``BlockingConnection``, which is not thread-safe: one batch at a time.
    concurrent = False

    def __init__(self, broker: SalesHubRabbitmqBroker, *, confirm_timeout_s: float) -> None:
        self.broker = broker
        self.confirm_timeout_s = confirm_timeout_s
        self._conn: pika.BlockingConnection | None = None
        self._channel: Any = None
        self._blocking: Any = None
        self._tag = 0
        self._acked: set[int] = set()
        self._failed: list[str] = []

    def _open(self) -> Any:
        if self._conn is not None and self._conn.is_open and self._channel.is_open:
            return self._channel
        self.close()
        self._conn = pika.BlockingConnection(self.broker.parameters)
        blocking = self._conn.channel()
        for queue in NAMES:
            for name, arguments in self.broker.declarations(queue):
                blocking.queue_declare(queue=name, durable=True, arguments=arguments)
        channel = blocking._impl  # pika's own channel: its publish does not wait
        channel.add_on_return_callback(self._on_return)
        ready: list[bool] = []
        channel.confirm_delivery(self._on_confirm, callback=lambda _frame: ready.append(True))
        self._wait(lambda: bool(ready))
        self._channel, self._blocking, self._tag = channel, blocking, 0
        return channel

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        tags = range(1, method.delivery_tag + 1) if method.multiple else [method.delivery_tag]
        if isinstance(method, Basic.Ack):
            self._acked.update(tags)
        else:
            self._failed.append(f"nacked by RabbitMQ (delivery tag {method.delivery_tag})")

    def _on_return(self, _channel: Any, method: Any, _props: Any, _body: bytes) -> None:
        self._failed.append(f"returned by RabbitMQ: {method.reply_text} ({method.routing_key})")

    def _wait(self, done: Any) -> None:
        """Run the connection's I/O until ``done()``, a failure, or the confirm timeout."""
        assert self._conn is not None
        late: list[bool] = []
        timer = self._conn.call_later(self.confirm_timeout_s, lambda: late.append(True))
        try:
            self._conn._flush_output(lambda: done() or bool(self._failed) or bool(late))
        finally:
            self._conn.remove_timeout(timer)
        if not done() and not self._failed:
            raise BrokerUnavailable(f"no confirm within {self.confirm_timeout_s}s")

    def publish(self, messages: list[Message[Any]]) -> list[Sent]:
        """Publish ``messages`` (persistent, mandatory); wait for all their confirms."""
        try:
            channel = self._open()
            self._acked.clear()
            self._failed.clear()
            first = self._tag + 1
            for message in messages:
                channel.basic_publish(
                    exchange="",
                    routing_key=message.queue_name,
                    body=message.encode(),
                    properties=pika.BasicProperties(delivery_mode=2),
                    mandatory=True,
                )
            self._tag += len(messages)
            wanted = set(range(first, self._tag + 1))
            self._wait(lambda: wanted <= self._acked)
        except _PIKA_ERRORS as exc:
            self.close()
            raise BrokerUnavailable(f"RabbitMQ: {exc!r}") from exc
        except BrokerUnavailable:
            self.close()
            raise
        if self._failed:
            self.close()
            raise BrokerUnavailable("; ".join(self._failed[:3]))
        return [Sent(m.message_id, m.queue_name) for m in messages]

    def holds(self, sent: list[Sent]) -> list[bool]:
        """Always true: a confirmed message stays in its quorum queue until acked or
        dead-lettered, and an unacked one goes back when its consumer's connection drops."""
        return [True] * len(sent)

    def ready(self) -> dict[str, int]:
        """Ready messages per queue (passive declares: RabbitMQ's own count)."""
        try:
            self._open()
            return {
                q: self._blocking.queue_declare(queue=q, passive=True).method.message_count
                for q in NAMES
            }
        except _PIKA_ERRORS as exc:
            self.close()
            raise BrokerUnavailable(f"RabbitMQ: {exc!r}") from exc

    def maintain(self) -> None:
        """Nothing to requeue (RabbitMQ does); answer the connection's heartbeats."""
        if self._conn is not None and self._conn.is_open:
            try:
                self._conn.process_data_events(time_limit=0)
            except _PIKA_ERRORS:
                self.close()

    def close(self) -> None:
        """Close the publisher's connection (the next publish opens a new one)."""
        conn, self._conn, self._channel, self._blocking = self._conn, None, None, None
        if conn is not None and conn.is_open:
            try:
                conn.close()
            except _PIKA_ERRORS:
                log.debug("closing the relay's RabbitMQ connection failed", exc_info=True)
