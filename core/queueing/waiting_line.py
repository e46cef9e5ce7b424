"""Leased slots with a waiting line: over the cap a caller waits in line instead of polling.

A webhook endpoint takes at most ``WEBHOOK_MAX_IN_FLIGHT`` calls at once. A delivery that
found it full used to send itself again after ~2 s, and under a flood of deliveries to a
slow endpoint those re-sends were most of the delivery pool's work: about eight runs (each
a PostgreSQL transaction and a trip through the delay queue) per delivery made
(docs/decisions/0033). Here a caller over the cap joins the owner's line in the same
script that refused it, and whoever gives a slot back takes the oldest entries off the
line, keeps their slots for them (``WAKE_RESERVE_MS``) and returns them, for the caller to
send their jobs. So each waiting delivery runs twice: once to join the line, once to be
delivered.

The slots are :class:`core.queueing.org_slots.OrgSlots`' sorted sets (same keys, same
leases), so both see the same holders. The line is a sorted set of entries scored by when
they first joined (``ZADD NX``: joining again keeps one's place). An entry is the
holder's member name, then ``|`` and whatever the caller needs to send its job again.
The scripts also keep the set of owners with slots held or a line (an owner leaves it when
a release finds both empty), so ops read each line's length and slots in use
(:meth:`WaitingLine.snapshot`) without scanning keys.
Nothing here is durable beyond Redis: a wake lost with a dying worker is covered by the
caller's own backstop (webhooks: ``next_attempt_at``, which the periodic ``due`` job
reads).

Hand-written Lua, as in ``fairness_scripts``: the check, the join and the wake must each be
one step, or a slot given back between a refusal and the join would wake nobody.
"""

from __future__ import annotations

import redis

from core.queueing.org_slots import now_ms

#: How long a slot is kept for an entry taken off the line (its job normally starts within
#: milliseconds and replaces this with its own lease; if it does not come, the slot frees).
WAKE_RESERVE_MS = 10_000
#: A line nobody touches expires after this (the callers' backstops outlive it).
LINE_TTL_MS = 86_400_000
#: :meth:`WaitingLine.snapshot` reads at most this many owners, and returns at most
#: ``SNAPSHOT_MOST`` of them.
SNAPSHOT_SCANNED = 2_000
SNAPSHOT_MOST = 200

# KEYS: slots zset, line zset, owners set. ARGV: now ms, cap, member, lease end ms, entry,
# line ttl ms, owner. Returns 1 (slot taken; the member's entry, if any, leaves the line) or
# 0 (in line). Either way the owner is in the owners set, which ops read.
ACQUIRE_OR_WAIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('SADD', KEYS[3], ARGV[7])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[6]))
local held = redis.call('ZSCORE', KEYS[1], ARGV[3])
if not held and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[6]))
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) - tonumber(ARGV[1]) then
  redis.call('PEXPIREAT', KEYS[1], ARGV[4])
end
redis.call('ZREM', KEYS[2], ARGV[5])
return 1
"""

# KEYS: slots zset, line zset, owners set. ARGV: now ms, cap, member ('' for none), most,
# reserve end, owner. Gives the member's slot back, then takes up to ``most`` entries off
# the line while slots are free, each with a slot reserved for its member; an owner left
# with no slot held and no line leaves the owners set. Returns the entries taken.
RELEASE_AND_WAKE = """
if ARGV[3] ~= '' then
  redis.call('ZREM', KEYS[1], ARGV[3])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local free = math.min(tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1]), tonumber(ARGV[4]))
local woken = {}
while #woken < free do
  local head = redis.call('ZPOPMIN', KEYS[2])
  if #head == 0 then
    break
  end
  local entry = head[1]
  local cut = string.find(entry, '|', 1, true)
  redis.call('ZADD', KEYS[1], ARGV[5], string.sub(entry, 1, (cut or 0) - 1))
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) - tonumber(ARGV[1]) then
    redis.call('PEXPIREAT', KEYS[1], ARGV[5])
  end
  woken[#woken + 1] = entry
end
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('SREM', KEYS[3], ARGV[6])
end
return woken
"""


class WaitingLine:
    """Slots per owner of one ``pool`` (an endpoint id, say), and a line for each.

    Parameters:
      client: the broker Redis.
      prefix: key prefix (the broker namespace).
      pool: the slots' pool name (``OrgSlots``' first key part after ``fair:slots``).
    """

    def __init__(self, client: redis.Redis, prefix: str, pool: str) -> None:
        self.client = client
        self.prefix = prefix
        self.pool = pool
        self._acquire = client.register_script(ACQUIRE_OR_WAIT)
        self._release = client.register_script(RELEASE_AND_WAKE)

    def _slots(self, owner: int) -> str:
        return f"{self.prefix}:fair:slots:{self.pool}:{owner}"

    def _line(self, owner: int) -> str:
        return f"{self.prefix}:fair:line:{self.pool}:{owner}"

    def _owners(self) -> str:
        return f"{self.prefix}:fair:lines:{self.pool}"

    def acquire_or_wait(
        self, owner: int, member: str, payload: str, *, cap: int, lease_ms: int
    ) -> bool:
        """Take a slot of ``owner`` for ``member``; if ``cap`` are held, put
        ``member|payload`` in its line (keeping an earlier place). True if the slot is taken."""
        if "|" in member:
            raise ValueError(f"a member name may not hold '|': {member!r}")
        now = now_ms()
        args: list[str | int] = [now, cap, member, now + lease_ms, f"{member}|{payload}"]
        keys = [self._slots(owner), self._line(owner), self._owners()]
        return bool(self._acquire(keys=keys, args=[*args, LINE_TTL_MS, owner]))

    def release(self, owner: int, member: str, *, cap: int, most: int = 1) -> list[tuple[str, str]]:
        """Give ``member``'s slot back (``""``: none), and take up to ``most`` entries off the
        line while slots are free, a slot kept for each; return them as (member, payload),
        oldest first."""
        now = now_ms()
        keys = [self._slots(owner), self._line(owner), self._owners()]
        args: list[str | int] = [now, cap, member, most, now + WAKE_RESERVE_MS, owner]
        woken = self._release(keys=keys, args=args)
        entries = (raw.decode() if isinstance(raw, bytes) else raw for raw in woken)
        return [(m, payload) for m, _, payload in (e.partition("|") for e in entries)]

    def waiting(self, owner: int) -> int:
        """How many entries are in ``owner``'s line."""
        return int(self.client.zcard(self._line(owner)))

    def snapshot(self, *, most: int = SNAPSHOT_MOST) -> list[dict[str, int]]:
        """Per owner with slots held (or kept for woken entries) or a line: ``in_flight`` and
        ``waiting``; the ``most`` longest lines, then the busiest. Reads at most
        ``SNAPSHOT_SCANNED`` owners of the owners set the scripts keep (``SSCAN``)."""
        found: set[int] = set()  # SSCAN may return a member twice
        for raw in self.client.sscan_iter(self._owners(), count=500):
            found.add(int(raw))
            if len(found) >= SNAPSHOT_SCANNED:
                break
        owners = sorted(found)
        now = now_ms()
        pipe = self.client.pipeline(transaction=False)
        for owner in owners:
            pipe.zcount(self._slots(owner), now, "+inf")
            pipe.zcard(self._line(owner))
        counts = pipe.execute()
        rows = [
            {"owner": owner, "in_flight": int(in_flight), "waiting": int(waiting)}
            for owner, in_flight, waiting in zip(owners, counts[::2], counts[1::2], strict=True)
            if in_flight or waiting
        ]
        rows.sort(key=lambda r: (-r["waiting"], -r["in_flight"], r["owner"]))
        return rows[:most]
