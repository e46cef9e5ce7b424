"""Pausing queues: workers stop fetching from a paused queue; nothing in it is touched.

Dramatiq has no pause. Our Redis broker's consumer (:mod:`core.queueing.consumer`) asks the
broker Redis whether its queue is in the paused set: at most once a second, and at once
when, waiting idle, it hears :func:`pause` or :func:`resume` announce a change on
``PAUSED_CHANNEL``. While paused it fetches nothing and reports idle. Messages stay in
Redis (and the delay queue keeps its ETA order), so resuming loses nothing. Messages a
worker had already prefetched finish. On RabbitMQ the paused set is the same, and
:class:`core.queueing.brokers.rabbitmq.PausableConsumer` cancels its ``basic.consume``
while its queue is in it (docs/decisions/0024).
"""

from __future__ import annotations

from typing import Any

import redis

PAUSED_KEY = "saleshub:paused"
#: How often a consumer (Redis or RabbitMQ) re-reads whether its queue is paused, at most.
PAUSE_CHECK_INTERVAL_S = 1.0
#: Pub/sub channel on which pause and resume announce a change to waiting consumers.
PAUSED_CHANNEL = "saleshub:paused.changed"


def pause(client: redis.Redis, queue: str) -> bool:
    """Pause ``queue``; return False if it was paused already."""
    changed = bool(client.sadd(PAUSED_KEY, queue))
    if changed:
        client.publish(PAUSED_CHANNEL, queue)
    return changed


def resume(client: redis.Redis, queue: str) -> bool:
    """Resume ``queue``; return False if it was not paused."""
    changed = bool(client.srem(PAUSED_KEY, queue))
    if changed:
        client.publish(PAUSED_CHANNEL, queue)
    return changed


def paused_queues(client: redis.Redis) -> set[str]:
    """The names of the paused queues."""
    members: Any = client.smembers(PAUSED_KEY)
    return {q.decode() for q in members}
