"""A leader lease in Redis: one holder at a time, lost when not renewed within its TTL."""

from __future__ import annotations

import contextlib
import secrets
import threading

import redis

from core.queueing.supervisor import run_supervised

# Renew or release only while we still hold the lease (another may hold it by now).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Lease:
    """Hold ``key`` for ``ttl_ms``, renewing it; ``held`` says whether we hold it now.

    Parameters:
      client: the broker Redis (never the evicting cache).
      key: the lease's key.
      ttl_ms: how long the lease outlives its holder.
    """

    def __init__(self, client: redis.Redis, key: str, ttl_ms: int) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = ttl_ms
        self.token = secrets.token_hex(16)
        self.held = False
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._stop = threading.Event()

    def tick(self) -> bool:
        """Acquire the lease if free, renew it if ours; return whether we hold it."""
        try:
            if self.held and self._renew(keys=[self.key], args=[self.token, self.ttl_ms]):
                return True
            self.held = bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except redis.RedisError:
            self.held = False
        return self.held

    def run(self) -> None:
        """Tick until :meth:`stop`: the holder renews every third of the TTL; a standby tries
        every tenth, so it takes over at most a tenth of the TTL after the lease expires (a
        SET NX that fails costs Redis next to nothing)."""
        try:
            while not self._stop.is_set():
                self.tick()
                self._stop.wait(self.ttl_ms / (3000 if self.held else 10000))
        except BaseException:
            self.held = False  # not renewed from now on: never fire on a stale lease
            raise

    def run_supervised(self) -> None:
        """:meth:`run`, restarted with backoff when it raises something unexpected."""
        run_supervised("lease", self.run, stopping=self._stop)

    def stop(self) -> None:
        """Stop renewing and give the lease up."""
        self._stop.set()
        with contextlib.suppress(redis.RedisError):
            self._release(keys=[self.key], args=[self.token])
        self.held = False
