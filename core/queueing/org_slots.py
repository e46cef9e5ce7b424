"""Leased slots per (pool, org) in Redis: what caps an org's jobs in flight.

Split from :mod:`core.queueing.fairness` (the middleware that takes a slot before a job
runs and parks the excess), which imports it; :mod:`core.queueing.waiting_line` and the ops
API read the same sorted sets. Every script is one step (``fairness_scripts``).
"""

from __future__ import annotations

import time
from typing import Any

import redis

from core.queueing.fairness_scripts import (
    ACK_THEN_RELEASE,
    ACQUIRE,
    ACQUIRE_OR_PARK,
    PARK_FETCHED,
    RELEASE,
)
from core.queueing.queues import Pool
from core.settings import Settings

#: A slot is kept this long for a parked message moved back to its queue (it is at the
#: head, so normally it starts within milliseconds and its own lease replaces this one).
RESERVE_MS = 60_000


def now_ms() -> int:
    """Now, in milliseconds since the epoch (the unit of every lease score)."""
    return int(time.time() * 1000)


class OrgSlots:
    """Leased slots per (pool, org) in Redis.

    Parameters:
      client: the broker Redis.
      prefix: key prefix (the broker namespace).
    """

    def __init__(self, client: redis.Redis, prefix: str = "saleshub") -> None:
        self.client = client
        self.prefix = prefix
        self._acquire = client.register_script(ACQUIRE)
        self._acquire_or_park = client.register_script(ACQUIRE_OR_PARK)
        self._release = client.register_script(RELEASE)
        self._ack_then_release = client.register_script(ACK_THEN_RELEASE)
        self._park_fetched = client.register_script(PARK_FETCHED)

    def _slots(self, pool: str, org_id: int) -> str:
        return f"{self.prefix}:fair:slots:{pool}:{org_id}"

    def _orgs(self, pool: str) -> str:
        return f"{self.prefix}:fair:orgs:{pool}"

    def _stats(self, pool: str, kind: str) -> str:
        return f"{self.prefix}:fair:{kind}:{pool}"

    def _parked(self, pool: str, org_id: int) -> str:
        return f"{self.prefix}:fair:parked:{pool}:{org_id}"

    def _park_keys(self, pool: str, org_id: int, acks_key: str) -> list[str]:
        """The keys of the scripts that park: slots, orgs, parking list, ack set, deferrals."""
        return [
            self._slots(pool, org_id),
            self._orgs(pool),
            self._parked(pool, org_id),
            acks_key,
            self._stats(pool, "deferrals"),
        ]

    def acquire(self, pool: str, org_id: int, member: str, *, cap: int, lease_ms: int) -> bool:
        """Take a slot for ``member`` unless the org holds ``cap``; True if taken (or held)."""
        now = now_ms()
        keys = [self._slots(pool, org_id), self._orgs(pool)]
        return bool(self._acquire(keys=keys, args=[now, cap, member, now + lease_ms, org_id]))

    def acquire_or_park(
        self,
        pool: str,
        org_id: int,
        member: str,
        *,
        cap: int,
        lease_ms: int,
        queue_name: str,
        redis_id: str,
        acks_key: str,
    ) -> bool:
        """Take a slot for ``member`` as :meth:`acquire` does; if the org is full, move the
        message ``redis_id`` of ``queue_name`` (its body stays in the queue's ``.msgs`` hash)
        from the ack set ``acks_key`` to the org's parking list. True if the slot is taken."""
        now = now_ms()
        keys = self._park_keys(pool, org_id, acks_key)
        args: list[str | int] = [
            now, cap, member, now + lease_ms, org_id, f"{queue_name}|{redis_id}|{member}", redis_id
        ]  # fmt: skip
        return bool(self._acquire_or_park(keys=keys, args=args))

    def park_fetched(
        self,
        pool: str,
        org_id: int,
        fetched: list[tuple[str, str]],
        *,
        cap: int,
        queue_name: str,
        acks_key: str,
    ) -> set[str]:
        """Park, in one script, what a consumer just fetched of one org, ``(member, redis
        id)`` pairs in queue order, if the org is full: all but messages that hold a slot
        and as many others as the org has free slots. Returns the redis ids parked."""
        keys = self._park_keys(pool, org_id, acks_key)
        args: list[str | int] = [now_ms(), cap, org_id]
        for member, rid in fetched:
            args += [member, f"{queue_name}|{rid}|{member}", rid]
        parked = self._park_fetched(keys=keys, args=args)
        return {r.decode() if isinstance(r, bytes) else str(r) for r in parked}

    def release(
        self,
        pool: str,
        org_id: int,
        member: str,
        *,
        cap: int | None = None,
        most: int = 1,
        ack: tuple[str, str, str] | None = None,
    ) -> int:
        """Give the slot of ``member`` back; with ``cap``, also move up to ``most`` parked
        messages of the org back to the head of their queues while it has free slots, each
        with a slot reserved for ``RESERVE_MS``. With ``cap`` and ``ack`` (ack set, ``.msgs``
        hash, redis id), ack the message in the same script, as Dramatiq's ack does. Returns
        how many were moved."""
        if cap is None:
            self.client.zrem(self._slots(pool, org_id), member)
            return 0
        now = now_ms()
        keys = [self._slots(pool, org_id), self._parked(pool, org_id)]
        args: list[str | int] = [now, cap, member, most, self.prefix, now + RESERVE_MS]
        if ack is None:
            return int(self._release(keys=keys, args=args))
        acks_key, msgs_key, rid = ack
        return int(self._ack_then_release(keys=[*keys, acks_key, msgs_key], args=[*args, rid]))

    def sweep(self, pool: str, *, cap: int) -> int:
        """Release parked messages of every org of ``pool`` that has free slots (slots that
        no ending job gave back: a dead worker's lease ran out). Returns how many moved."""
        moved = 0
        for raw in self.client.smembers(self._orgs(pool)):
            moved += self.release(pool, int(raw), "", cap=cap, most=cap)
        return moved

    def deferred(self, pool: str, org_id: int) -> None:
        """Count a deferral: one more message of the org waiting."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hincrby(self._stats(pool, "waiting"), str(org_id), 1)
        pipe.hincrby(self._stats(pool, "deferrals"), str(org_id), 1)
        pipe.execute()

    def returned(self, pool: str, org_id: int) -> None:
        """A deferred message is back: one fewer waiting."""
        self.client.hincrby(self._stats(pool, "waiting"), str(org_id), -1)

    def snapshot(self, pool: str, *, cap: int) -> list[dict[str, Any]]:
        """Per org of ``pool``: jobs in flight, messages waiting (deferred or parked), and
        deferrals so far (a parking counts as one)."""
        now = now_ms()
        orgs = sorted(int(o) for o in self.client.smembers(self._orgs(pool)))
        waiting = self.client.hgetall(self._stats(pool, "waiting"))
        deferrals = self.client.hgetall(self._stats(pool, "deferrals"))
        pipe = self.client.pipeline(transaction=False)
        for org in orgs:
            pipe.zcount(self._slots(pool, org), now, "+inf")
            pipe.llen(self._parked(pool, org))
        counts = pipe.execute()
        out = []
        for org, in_flight, parked in zip(orgs, counts[::2], counts[1::2], strict=True):
            key = str(org).encode()
            row = {
                "org_id": org,
                "in_flight": int(in_flight),
                "cap": cap,
                "waiting": max(0, int(waiting.get(key, 0))) + int(parked),
                "deferrals": int(deferrals.get(key, 0)),
            }
            if row["in_flight"] or row["waiting"]:
                out.append(row)
            else:  # idle: forget it, so the set stays as small as the active orgs
                self.client.srem(self._orgs(pool), org)
        return out


def cap_of(settings: Settings, pool: Pool) -> int:
    """The in-flight cap per org of ``pool`` (``ORG_MAX_IN_FLIGHT_*``)."""
    cfg = settings.worker
    return cfg.org_max_in_flight_delivery if pool is Pool.DELIVERY else cfg.org_max_in_flight
