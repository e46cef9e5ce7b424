"""Pausing queues: workers stop fetching from a paused queue; nothing in it is touched.

Dramatiq has no pause. Our broker's consumer asks the broker Redis (at most once a second
per consumer) whether its queue is in the paused set, and while it is, fetches nothing
and reports idle. Messages stay in Redis (and the delay queue keeps its ETA order), so
resuming loses nothing. Messages a worker had already prefetched finish.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer

PAUSED_KEY = "saleshub:paused"
CHECK_INTERVAL_S = 1.0


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


class _PausableConsumer(_RedisConsumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._canonical = self.queue_name.removesuffix(".DQ")
        self._checked = 0.0
        self._paused = False

    def _is_paused(self) -> bool:
        now = time.monotonic()
        if now - self._checked >= CHECK_INTERVAL_S:
            try:
                self._paused = bool(self.broker.client.sismember(PAUSED_KEY, self._canonical))
            except redis.RedisError:
                self._paused = False  # the fetch below surfaces the outage the usual way
            self._checked = now
        return self._paused

    def __next__(self) -> Any:
        if not self.message_cache and self._is_paused():
            time.sleep(0.1)
            return None
        return super().__next__()


class PausableRedisBroker(RedisBroker):
    """Dramatiq's Redis broker whose consumers honour paused queues."""

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return _PausableConsumer
