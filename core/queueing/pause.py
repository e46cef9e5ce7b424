"""Pausing queues: workers stop fetching from a paused queue; nothing in it is touched.

Dramatiq has no pause. Our broker's consumer (:mod:`core.queueing.consumer`) asks the
broker Redis (at most once a second per consumer, and after every wake-up) whether its
queue is in the paused set, and while it is, fetches nothing and reports idle. Messages
stay in Redis (and the delay queue keeps its ETA order), so resuming loses nothing.
Messages a worker had already prefetched finish.
"""

from __future__ import annotations

from typing import Any

import redis

PAUSED_KEY = "saleshub:paused"


def pause(client: redis.Redis, queue: str) -> bool:
    """Pause ``queue``; return False if it was paused already."""
    return bool(client.sadd(PAUSED_KEY, queue))


def resume(client: redis.Redis, queue: str) -> bool:
    """Resume ``queue``; return False if it was not paused."""
    return bool(client.srem(PAUSED_KEY, queue))


def paused_queues(client: redis.Redis) -> set[str]:
    """The names of the paused queues."""
    members: Any = client.smembers(PAUSED_KEY)
    return {q.decode() for q in members}
