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
import uuid
from typing import Any

import pika
import pika.exceptions
import redis
from dramatiq import Message
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL, RabbitmqBroker
from dramatiq.common import dq_name, xq_name
from dramatiq.middleware import Middleware
from pika.spec import Basic

from core.queueing.brokers.base import BrokerUnavailable, Sent
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
        delay queue, whose messages wait in memory for their time)."""
        if self.prefetch and not queue_name.endswith(".DQ"):
            prefetch = self.prefetch
        return super().consume(queue_name, prefetch, timeout)


class RabbitmqPublisher:
    """Publish batches to RabbitMQ and return once every message of a batch is confirmed.

    Parameters:
      broker: the broker whose queues (and their arguments) to publish to.
      confirm_timeout_s: a batch not wholly confirmed by then raises :class:`BrokerUnavailable`.
    """

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
