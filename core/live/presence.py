"""Presence: who in an org has a socket open, across every realtime process.

Per org, a sorted set of open sockets (``<user>:<socket>``, scored by their last heartbeat)
and a hash of users to their socket counts. Scripts keep the two in step, so "the first
socket of a user" (join) and "the last one closed" (leave) are decided once, whichever
process saw them. A process that dies leaves its sockets' heartbeats to go stale: any
process's :func:`reap` removes them and reports the users who left.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import redis

PREFIX = "saleshub:presence-org:"

_JOIN = """
local new = redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4]); redis.call('EXPIRE', KEYS[2], ARGV[4])
if new == 1 and redis.call('HINCRBY', KEYS[2], ARGV[3], 1) == 1 then return 1 end
return 0
"""
_LEAVE = """
local function leave(member)
  if redis.call('ZREM', KEYS[1], member) == 0 then return false end
  local user = string.match(member, '^([^:]+):')
  if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
    redis.call('HDEL', KEYS[2], user)
    return user
  end
  return false
end
local gone = {}
local members = ARGV
if ARGV[1] == '-stale' then members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2]) end
for _, member in ipairs(members) do
  local user = leave(member)
  if user then table.insert(gone, user) end
end
return gone
"""


def _keys(org_id: int) -> tuple[str, str]:
    return f"{PREFIX}{org_id}:sockets", f"{PREFIX}{org_id}:users"


def member(user_id: int, socket_id: str) -> str:
    return f"{user_id}:{socket_id}"


def join(client: redis.Redis, org_id: int, user_id: int, socket_id: str, *, ttl_s: float) -> bool:
    """Mark a socket open; whether it is its user's first (a ``join`` to announce)."""
    keys = _keys(org_id)
    args = (time.time(), member(user_id, socket_id), user_id, int(ttl_s * 4))
    return bool(client.eval(_JOIN, 2, *keys, *args))


def leave(client: redis.Redis, org_id: int, user_id: int, socket_id: str) -> bool:
    """Mark a socket closed; whether it was its user's last (a ``leave`` to announce)."""
    return bool(client.eval(_LEAVE, 2, *_keys(org_id), member(user_id, socket_id)))


def heartbeat(client: redis.Redis, sockets: Iterable[tuple[int, int, str]]) -> None:
    """Renew ``(org, user, socket)`` heartbeats, one ``ZADD XX`` per org."""
    now = time.time()
    per_org: dict[int, dict[str, float]] = {}
    for org_id, user_id, socket_id in sockets:
        per_org.setdefault(org_id, {})[member(user_id, socket_id)] = now
    if not per_org:
        return
    pipe = client.pipeline(transaction=False)
    for org_id, members in per_org.items():
        pipe.zadd(_keys(org_id)[0], members, xx=True)
    pipe.execute()


def reap(client: redis.Redis, org_id: int, *, ttl_s: float) -> list[int]:
    """Remove sockets silent longer than ``ttl_s``; the users that left with them."""
    gone: Any = client.eval(_LEAVE, 2, *_keys(org_id), "-stale", time.time() - ttl_s)
    return [int(u) for u in gone]


def online(client: redis.Redis, org_id: int) -> list[int]:
    """The users of ``org_id`` with a socket open."""
    users: Any = client.hkeys(_keys(org_id)[1])
    return sorted(int(u) for u in users)
