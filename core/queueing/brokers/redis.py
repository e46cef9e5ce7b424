"""Publishing to Dramatiq's Redis broker: its own Lua script, pipelined.

``broker.enqueue`` makes one round trip per message, which caps a relay at a few thousand
messages a second; the relay pushes a whole batch in one pipeline instead, with the wake-up
of every queue it touched (:func:`core.queueing.consumer.publish_wake`).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker
from redis.exceptions import RedisError

from core.queueing.brokers.base import BrokerUnavailable, Sent
from core.queueing.consumer import publish_wake
from core.queueing.queues import NAMES


class RedisPublisher:
    """Push batches to a Redis broker and drive its maintenance.

    Parameters:
      broker: the Dramatiq Redis broker (ours, :class:`core.queueing.consumer.WakingRedisBroker`).
    """

    def __init__(self, broker: RedisBroker) -> None:
        self.broker = broker
        self._script = broker.scripts["dispatch"]

    def _args(self, command: str, queue: str, *rest: Any, do_maintenance: int = 0) -> list[Any]:
        broker = self.broker
        return [
            command,
            int(time.time() * 1000),
            queue,
            broker.broker_id if command == "enqueue" else "saleshub-maintenance",
            broker.heartbeat_timeout,
            broker.dead_message_ttl,
            do_maintenance,
            broker._max_unpack_size(),
            *rest,
        ]

    def publish(self, messages: list[Message[Any]]) -> list[Sent]:
        """Push ``messages`` in one pipeline; each gets a fresh Redis message id."""
        pipe = self.broker.client.pipeline(transaction=False)
        sent: list[Sent] = []
        for parsed in messages:
            rid = str(uuid.uuid4())
            message = parsed.copy(options={**parsed.options, "redis_message_id": rid})
            args = self._args("enqueue", message.queue_name, rid, message.encode())
            self._script(keys=[self.broker.namespace], args=args, client=pipe)
            sent.append(Sent(rid, message.queue_name))
        publish_wake(pipe, self.broker.namespace, [s.queue for s in sent])
        try:
            pipe.execute()
        except RedisError as exc:
            raise BrokerUnavailable(str(exc)) from exc
        return sent

    def holds(self, sent: list[Sent]) -> list[bool]:
        """Whether each message's body is still in its queue's ``.msgs`` hash."""
        ns = self.broker.namespace
        pipe = self.broker.client.pipeline(transaction=False)
        for rid, queue in sent:
            pipe.hexists(f"{ns}:{queue}.msgs", rid or "")
        return [bool(here) for here in pipe.execute()]

    def ready(self) -> None:
        """None: backpressure and the ops view read the queues' Redis keys themselves."""
        return None

    def maintain(self) -> None:
        """Requeue dead workers' unacked messages now, not on Dramatiq's 0.1% chance."""
        for queue in NAMES:
            for name in (queue, f"{queue}.DQ"):
                self._script(
                    keys=[self.broker.namespace], args=self._args("qsize", name, do_maintenance=1)
                )

    def close(self) -> None:
        """Nothing of its own to close: the broker's client is shared."""
