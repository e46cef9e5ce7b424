"""The limiter's Redis storage: one round trip per limit, the headers' window included.

Flask-Limiter checks each limit of a request with one script (acquire an entry) and then,
for the ``RateLimit-*`` headers, reads the window of the limit it reports with another:
three round trips to the broker Redis for an API request's two limits (per key, per org).
Neither Flask-Limiter 4.1 nor limits 5.8 can batch limits or return a window from a hit,
so this subclass of limits' ``RedisStorage`` acquires with a script that also returns the
window it leaves, and the read for the headers that follows in the same request takes that
window instead of asking Redis again (docs/decisions/0046).

The window is aged by the time since the hit (TTLs counted down, a window boundary crossed
shifted as limits' read script would shift it), so the headers are what a read would have
answered had no other request of the same key come in between. It is kept in ``flask.g``,
so it never outlives its request. Registered with limits under ``saleshub+redis`` (and
``+rediss``, ``+redis+unix``): Flask-Limiter builds its storage from a URI only.
"""

from __future__ import annotations

import time
from typing import Any

from flask import g, has_app_context
from limits.storage import RedisStorage

PREFIX = "saleshub+"
SCHEMES = ("redis", "rediss", "redis+unix")

# limits' acquire_sliding_window.lua (5.8), returning {acquired, previous count, previous
# TTL, current count, current TTL} (TTLs in ms, as PTTL answers) instead of a boolean.
ACQUIRE = """
local limit = tonumber(ARGV[1])
local expiry = tonumber(ARGV[2]) * 1000
local amount = tonumber(ARGV[3])

local current_ttl = tonumber(redis.call('pttl', KEYS[2]))
if current_ttl > 0 and current_ttl < expiry then
    -- Current window expired, shift it to the previous window
    redis.call('rename', KEYS[2], KEYS[1])
    redis.call('set', KEYS[2], 0, 'PX', current_ttl + expiry)
end

local function window()
    return tonumber(redis.call('get', KEYS[1])) or 0, tonumber(redis.call('pttl', KEYS[1])),
        tonumber(redis.call('get', KEYS[2])) or 0, tonumber(redis.call('pttl', KEYS[2]))
end

local previous_count, previous_ttl, current_count, current_ttl = window()
local weighted = math.floor(previous_count * math.max(previous_ttl, 0) / expiry) + current_count
if amount > limit or weighted + amount > limit then
    return {0, previous_count, previous_ttl, current_count, current_ttl}
end
if redis.call('exists', KEYS[2]) == 1 then
    redis.call('incrby', KEYS[2], amount)
else
    redis.call('set', KEYS[2], amount, 'PX', expiry * 2)
end
previous_count, previous_ttl, current_count, current_ttl = window()
return {1, previous_count, previous_ttl, current_count, current_ttl}
"""

Window = tuple[int, float, int, float]


def storage_uri(url: str) -> str:
    """The limiter's storage URI for the Redis at ``url`` (other schemes unchanged)."""
    scheme = url.partition("://")[0]
    return PREFIX + url if scheme in SCHEMES else url


class WindowReusingRedisStorage(RedisStorage):
    """limits' Redis storage whose hits leave their window for the same request's reads.

    Parameters:
      uri: the Redis URL with ``saleshub+`` before its scheme.
      options: as for :class:`limits.storage.RedisStorage`.
    """

    STORAGE_SCHEME = [PREFIX + scheme for scheme in SCHEMES]

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri.removeprefix(PREFIX), **options)

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_acquire_with_window = self.get_connection().register_script(ACQUIRE.encode())

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        previous_key = self.prefixed_key(self._previous_window_key(key))
        current_key = self.prefixed_key(self._current_window_key(key))
        acquired, *window = self.lua_acquire_with_window(
            [previous_key, current_key], [limit, expiry, amount]
        )
        if has_app_context():
            seen = g.setdefault("_limiter_windows", {})
            seen[key, expiry] = (_seconds(window), time.monotonic())
        return bool(acquired)

    def get_sliding_window(self, key: str, expiry: int) -> Window:
        seen = g.get("_limiter_windows") if has_app_context() else None
        hit = seen.pop((key, expiry), None) if seen else None
        if hit is None:
            return super().get_sliding_window(key, expiry)
        window, at = hit
        return _aged(window, time.monotonic() - at, expiry)


def _seconds(window: list[int]) -> Window:
    previous_count, previous_ttl, current_count, current_ttl = window
    return previous_count, max(0, previous_ttl) / 1000, current_count, max(0, current_ttl) / 1000


def _aged(window: Window, elapsed: float, expiry: int) -> Window:
    """``window`` ``elapsed`` seconds later, as limits' read script would find it then."""
    previous_count, previous_ttl, current_count, current_ttl = window
    previous_ttl, current_ttl = max(0.0, previous_ttl - elapsed), max(0.0, current_ttl - elapsed)
    previous_count = previous_count if previous_ttl > 0 else 0
    current_count = current_count if current_ttl > 0 else 0
    if 0 < current_ttl < expiry:  # the current window ended: it becomes the previous one
        return current_count, current_ttl, 0, current_ttl + expiry
    return previous_count, previous_ttl, current_count, current_ttl
