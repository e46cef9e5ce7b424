"""The cache service: read-through with single-flight, stale-while-revalidate and XFetch.

See ``core.cache.base`` for the correctness rules (tag versions, conditional stores,
bounded Redis calls) and docs/decisions/0003-cache-keys.md for the measurements.
"""

from __future__ import annotations

import contextlib
import math
import random
import secrets
import time
from collections.abc import Callable, Sequence

import redis

from core.cache.base import HIT, MISS, STALE, CacheBase, Result, Uncacheable
from core.cache.codec import Entry, etag_of
from core.cache.keys import CacheKey

__all__ = ["HIT", "MISS", "STALE", "Cache", "Result", "Uncacheable"]


class Cache(CacheBase):
    """The cache service of one environment (see :class:`CacheBase` for its parameters)."""

    # -- read-through with single-flight -------------------------------------------------

    def fetch(
        self,
        key: CacheKey,
        *,
        tags: Sequence[str],
        compute: Callable[[], bytes],
        soft_ttl: float | None = None,
        hard_ttl: float | None = None,
    ) -> Result:
        """The value of ``key``: cached, or computed once however many callers miss at once.

        A stale value is served while one caller refreshes it; a valid one is refreshed
        early with XFetch's probability; ``compute`` may raise :class:`Uncacheable`.
        """
        try:
            return self._fetch(key, tags, compute, (soft_ttl, hard_ttl))
        finally:
            self._maybe_flush_stats()

    def _fetch(
        self,
        key: CacheKey,
        tags: Sequence[str],
        compute: Callable[[], bytes],
        ttls: tuple[float | None, float | None],
    ) -> Result:
        if not self.usable(key.org_id):
            self.stats.incr(key.name, "bypassed", org_id=key.org_id)
            payload = compute()
            return Result(payload, etag_of(payload), MISS)
        deadline = time.monotonic() + self.config.lock_wait_s
        pause, waited = 0.002, False
        while True:
            try:
                entry = self.lookup([key], [tags])[0]
                if entry is not None:
                    now_ms = time.time() * 1000
                    if now_ms < entry.soft_expiry_ms:
                        if self._xfetch(entry, now_ms) and (token := self._lock(key)):
                            self.stats.incr(key.name, "early_refreshes", org_id=key.org_id)
                            return self._refresh(key, tags, compute, token, ttls)
                        self.stats.incr(key.name, "hits", org_id=key.org_id)
                        if waited:
                            self.stats.incr(key.name, "lock_waits", org_id=key.org_id)
                        return Result(entry.payload, entry.etag, HIT)
                    if token := self._lock(key):
                        # Our read may predate a refresh that finished (and let the lock
                        # go) since: then serve that value instead of computing again.
                        fresh = self.lookup([key], [tags])[0]
                        if fresh is not None and time.time() * 1000 < fresh.soft_expiry_ms:
                            self._release(keys=[key.lock], args=[token])
                            self.stats.incr(key.name, "hits", org_id=key.org_id)
                            return Result(fresh.payload, fresh.etag, HIT)
                        return self._refresh(key, tags, compute, token, ttls)
                    self.stats.incr(key.name, "stale", org_id=key.org_id)
                    return Result(entry.payload, entry.etag, STALE)
                if token := self._lock(key):
                    return self._refresh(key, tags, compute, token, ttls)
            except redis.RedisError as exc:
                self._failed(exc, key.name)
                payload = compute()
                return Result(payload, etag_of(payload), MISS)
            if time.monotonic() >= deadline:
                # The holder is slow or gone: compute ourselves (the store stays conditional).
                return self._refresh(key, tags, compute, None, ttls)
            waited = True
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _xfetch(self, entry: Entry, now_ms: float) -> bool:
        # Vattani et al.: refresh when now - delta * beta * ln(U) >= expiry, U in (0, 1].
        beta = self.config.xfetch_beta
        gap = -entry.delta_ms * beta * math.log(1.0 - random.random())
        return beta > 0 and now_ms + gap >= entry.soft_expiry_ms

    def _lock(self, key: CacheKey) -> str | None:
        token = secrets.token_hex(8)
        ttl = int(self.config.lock_ttl_s * 1000)
        return token if self.client.set(key.lock, token, nx=True, px=ttl) else None

    def _refresh(
        self,
        key: CacheKey,
        tags: Sequence[str],
        compute: Callable[[], bytes],
        token: str | None,
        ttls: tuple[float | None, float | None],
    ) -> Result:
        try:
            try:
                stamps = self.snapshot([(key.org_id, tags)])[0]
            except redis.RedisError as exc:
                self._failed(exc, key.name)
                stamps = None
            start = time.perf_counter()
            payload = compute()
            delta_ms = int((time.perf_counter() - start) * 1000)
            self.stats.incr(key.name, "computations", org_id=key.org_id)
            self.stats.incr(key.name, "misses", org_id=key.org_id)
            etag = etag_of(payload)
            if stamps is not None:
                value, ttl = self.entry(
                    payload, stamps, delta_ms=delta_ms, soft_ttl=ttls[0], hard_ttl=ttls[1]
                )
                try:
                    self.store([(key, value, ttl)])
                    self.stats.incr(key.name, "bytes_stored", len(value), org_id=key.org_id)
                    self.stats.incr(
                        key.name,
                        "bytes_saved",
                        max(0, len(payload) - len(value)),
                        org_id=key.org_id,
                    )
                except redis.RedisError as exc:
                    self._failed(exc, key.name)
            return Result(payload, etag, MISS)
        finally:
            if token is not None:
                with contextlib.suppress(redis.RedisError):  # else it expires by itself
                    self._release(keys=[key.lock], args=[token])
