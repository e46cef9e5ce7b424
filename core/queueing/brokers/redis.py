"""Publishing to Dramatiq's Redis broker: a whole batch in one transaction.

``broker.enqueue`` makes one round trip per message, which caps a relay at a few thousand
messages a second. The relay pushes a batch as one ``MULTI``/``EXEC``: per queue, one
``HSET`` of every body into ``{ns}:{queue}.msgs`` then one ``RPUSH`` of their ids onto
``{ns}:{queue}``, what Dramatiq's ``enqueue`` (its ``dispatch.lua``) does for one message,
plus the publisher's heartbeat ``ZADD`` that script starts with, and the wake-up of every
queue it touched (:func:`core.queueing.consumer.publish_wake`). Bodies go in before ids, in
one transaction: a consumer never sees an id without its body, and a batch cut off before
``EXEC`` (the connection lost) leaves nothing behind. This writes Dramatiq's key layout itself, as
``core.queueing.consumer`` reads it: both were written for
:data:`core.queueing.consumer.DRAMATIQ_VERSION` (``tests/core/queueing/test_consumer.py``).
Bodies are encoded with orjson, as Dramatiq's JSON encoder would (the same fields, compact),
in a fraction of the time (docs/decisions/0031).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from typing import Any

import orjson
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker
from redis.exceptions import RedisError

from core.queueing.brokers.base import BrokerUnavailable, Sent
from core.queueing.consumer import publish_wake
from core.queueing.queues import NAMES


def encode(message: Message[Any], redis_message_id: str) -> bytes:
    """``message`` with its Redis id among its options, as Dramatiq's JSON encoder encodes
    ``message.copy(options=...)`` (``Message.asdict``: these fields), with orjson."""
    data = {
        "queue_name": message.queue_name,
        "actor_name": message.actor_name,
        "args": message.args,
        "kwargs": message.kwargs,
        "options": {**message.options, "redis_message_id": redis_message_id},
        "message_id": message.message_id,
        "message_timestamp": message.message_timestamp,
    }
    try:
        return orjson.dumps(data)
    except TypeError:  # outside orjson's JSON (an integer past 64 bits): the slow way
        return message.copy(options=data["options"]).encode()


class RedisPublisher:
    """Push batches to a Redis broker and drive its maintenance.

    Parameters:
      broker: the Dramatiq Redis broker (ours, :class:`core.queueing.consumer.WakingRedisBroker`).
    """

    #: redis-py's client is thread-safe: each publish takes a connection of its pool.
    concurrent = True

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
        """Push ``messages`` in one transaction; each gets a fresh Redis message id."""
        broker = self.broker
        ns = broker.namespace
        sent: list[Sent] = []
        bodies: dict[str, dict[str, bytes]] = defaultdict(dict)
        for message in messages:
            rid = str(uuid.uuid4())
            bodies[message.queue_name][rid] = encode(message, rid)
            sent.append(Sent(rid, message.queue_name))
        if not sent:
            return sent
        pipe = broker.client.pipeline(transaction=True)
        pipe.zadd(f"{ns}:__heartbeats__", {broker.broker_id: int(time.time() * 1000)})
        for queue, batch in bodies.items():
            pipe.hset(f"{ns}:{queue}.msgs", mapping=batch)  # type: ignore[arg-type]
            pipe.rpush(f"{ns}:{queue}", *batch)
        publish_wake(pipe, ns, bodies)
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
