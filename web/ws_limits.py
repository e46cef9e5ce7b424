"""Limits of ``/ws``: open sockets per user and per org across processes, inbound frame rate.

Each open socket holds a lease: a member of two Redis sorted sets (its user's and its org's)
scored by the lease's expiry. Admission removes expired members and counts the rest in one
script, so every realtime process sees the same counts and a process that dies frees its
sockets' places within ``LEASE_TTL_S`` instead of leaking them forever, as a counter would.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import redis

PREFIX = "saleshub:ws:open:"
LEASE_TTL_S = 60
# Each hub renews its sockets' leases this often.
RENEW_S = LEASE_TTL_S / 4
RETRY_AFTER_S = 10

_ADMIT = """
local now, expires = tonumber(ARGV[1]), ARGV[2]
for i = 1, 2 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now) end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 1 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], expires, ARGV[3])
  redis.call('EXPIRE', KEYS[i], ARGV[6])
end
return 0
"""


def user_key(user_id: int) -> str:
    return f"{PREFIX}user:{user_id}"


def org_key(org_id: int) -> str:
    return f"{PREFIX}org:{org_id}"


@dataclass(frozen=True, slots=True)
class Lease:
    """One open socket's place in its user's and org's counts."""

    user_id: int
    org_id: int
    member: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def keys(self) -> tuple[str, str]:
        return user_key(self.user_id), org_key(self.org_id)


class SocketLeases:
    """Admit, renew and release sockets against per-user and per-org caps.

    Parameters:
      broker: the broker Redis (shared by every realtime process).
      max_per_user, max_per_org: the caps.
    """

    def __init__(self, broker: redis.Redis, *, max_per_user: int, max_per_org: int) -> None:
        self.broker = broker
        self.max_per_user = max_per_user
        self.max_per_org = max_per_org
        self._admit = broker.register_script(_ADMIT)

    def admit(self, user_id: int, org_id: int) -> Lease | str:
        """A lease for a new socket, or why there is none (``"user"`` or ``"org"``)."""
        lease = Lease(user_id, org_id)
        now = time.time()
        refused = self._admit(
            keys=list(lease.keys),
            args=[
                now,
                now + LEASE_TTL_S,
                lease.member,
                self.max_per_user,
                self.max_per_org,
                LEASE_TTL_S * 2,
            ],
        )
        return {1: "user", 2: "org"}.get(int(refused), lease)

    def renew(self, leases: Iterable[Lease]) -> None:
        """Push the expiry of live sockets' leases forward (``XX``: never revive a released one).

        One ``ZADD`` per user and per org, not two per socket."""
        expires = time.time() + LEASE_TTL_S
        per_key: dict[str, dict[str, float]] = {}
        for lease in leases:
            for key in lease.keys:
                per_key.setdefault(key, {})[lease.member] = expires
        if not per_key:
            return
        pipe = self.broker.pipeline(transaction=False)
        for key, members in per_key.items():
            pipe.zadd(key, members, xx=True)
        pipe.execute()

    def release(self, lease: Lease) -> None:
        """Free a closed socket's place."""
        pipe = self.broker.pipeline(transaction=False)
        for key in lease.keys:
            pipe.zrem(key, lease.member)
        pipe.execute()

    def count(self, key: str) -> int:
        """Live leases under ``key`` (tests, metrics)."""
        return int(self.broker.zcount(key, time.time(), "+inf"))


class TokenBucket:
    """Inbound frames a client may send: ``rate`` per second, bursts up to ``burst``."""

    __slots__ = ("at", "burst", "rate", "tokens")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
