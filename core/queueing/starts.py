"""Starts of Redis messages, counted in the broker Redis, and the cancel markers they honour.

The ledger (docs/decisions/0028-one-write-ledger.md) writes nothing to PostgreSQL before a
short job runs. What its awaited start write used to guarantee comes from here instead, in
one round trip (a script) from the worker thread:

- **crash counting.** ``claim`` adds one to the message's start count (a hash field per Redis
  message id) before the actor runs. The field goes only with the message: an ack or a
  nack that removed it from its queue (``forget_gone``). A requeue keeps it (a stopping
  worker's prefetch, a delay queue, a reconcile: none of those started the message here,
  and its earlier starts still crashed), and a hand-back of a running message takes back
  that one start (``unclaim``): it ended without crashing. So a count above one means
  earlier starts of this very message ended without an outcome: its worker died
  (Dramatiq redelivers it forever, #213). Such a start takes the ledger's awaited
  PostgreSQL path, and the count is a floor for its crash count, so a message that kills
  its worker within milliseconds still goes ``dead`` after ``MAX_ATTEMPTS``.
- **canceled jobs.** ``cancel`` sets a marker per job (unless the job's message has
  already started: then it is running and not cancelable), and ``claim`` reports the
  marker, so that start too takes the awaited path, which skips a canceled job. Both
  are scripts, so one of the two always sees the other.

Keys: ``<ns>:__starts__`` (hash: Redis message id → starts) and
``<ns>:__canceled__.<job id>`` (string, expires after ``CANCEL_MARK_TTL_S``). A field is
left behind only when a started message is removed by other means (an operator purges a
queue while its worker is dead): a few bytes, and a stale count only makes a start take
the awaited path. An ack that did not remove the message (maintenance had given it to
another worker, #692) leaves the count, so that worker's start still asks PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis

#: How long a cancel marker lives: longer than any message waits in a queue.
CANCEL_MARK_TTL_S = 8 * 24 * 3600

# Starts of the message, negative if its job has a cancel marker.
_CLAIM = """
local n = redis.call('hincrby', KEYS[1], ARGV[1], 1)
if redis.call('exists', KEYS[2]) == 1 then return -n end
return n
"""
# Drop the counts of the messages (ARGV) no longer in their queue's body hash (KEYS[2]): acked
# or dead-lettered by the command before this one.
_FORGET_GONE = """
for i = 1, #ARGV do
  if redis.call('hexists', KEYS[2], ARGV[i]) == 0 then redis.call('hdel', KEYS[1], ARGV[i]) end
end
"""
# Take back one start of each message (ARGV): it was handed back, not crashed.
_UNCLAIM = """
for i = 1, #ARGV do
  if redis.call('hincrby', KEYS[1], ARGV[i], -1) <= 0 then redis.call('hdel', KEYS[1], ARGV[i]) end
end
"""
# Mark each job canceled unless its message (ARGV[i], '' if none yet) has started; return
# the indexes of those that had.
_CANCEL = """
local started = {}
for i = 2, #KEYS do
  local rid = ARGV[i - 1]
  if rid ~= '' and redis.call('hexists', KEYS[1], rid) == 1 then
    started[#started + 1] = i - 1
  else
    redis.call('set', KEYS[i], '1', 'EX', tonumber(ARGV[#ARGV]))
  end
end
return started
"""


class StartBook:
    """The broker Redis's record of message starts and job cancel markers.

    Parameters:
      client: the broker Redis.
      namespace: the broker's namespace (``dramatiq`` unless configured).
    """

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self.client = client
        self.namespace = namespace
        self.starts_key = f"{namespace}:__starts__"
        self._claim = client.register_script(_CLAIM)
        self._cancel = client.register_script(_CANCEL)
        self._forget_gone = client.register_script(_FORGET_GONE)
        self._unclaim = client.register_script(_UNCLAIM)

    def cancel_key(self, job_id: object) -> str:
        """The cancel marker of ``job_id``."""
        return f"{self.namespace}:__canceled__.{job_id}"

    def claim(self, redis_message_id: str, job_id: str) -> int:
        """Count a start of the message; return its starts so far, negated if the job has a
        cancel marker (1: its first start, nothing to check in PostgreSQL)."""
        return int(
            self._claim(keys=[self.starts_key, self.cancel_key(job_id)], args=[redis_message_id])
        )

    def forget_gone(self, client: Any, queue_name: str, redis_message_ids: Iterable[str]) -> None:
        """Drop the counts of the messages an ack or nack just removed from ``queue_name``
        (``client`` may be a pipeline, the ack or nack queued before this).

        Conditional, not a bare ``HDEL``: Dramatiq's ``ack`` removes nothing when the id is no
        longer in this worker's ack set (maintenance requeued it while this worker was taken
        for dead, #692), and the start count must then stay for the copy that runs next.
        """
        ids = list(redis_message_ids)
        if ids:
            keys = [self.starts_key, f"{self.namespace}:{queue_name}.msgs"]
            self._forget_gone(keys=keys, args=ids, client=client)

    def unclaim(self, redis_message_ids: Iterable[str]) -> None:
        """Take back one start of each message: this worker hands it back still running
        (its shutdown grace ended), which is no crash. Its earlier starts stay counted."""
        ids = list(redis_message_ids)
        if ids:
            self._unclaim(keys=[self.starts_key], args=ids)

    def cancel(self, jobs: list[tuple[object, str | None]]) -> set[int]:
        """Mark ``(job id, Redis message id or None)`` canceled, except those whose message has
        started; return the indexes (in ``jobs``) of those."""
        if not jobs:
            return set()
        keys = [self.starts_key, *(self.cancel_key(job_id) for job_id, _ in jobs)]
        args: list[Any] = [rid or "" for _, rid in jobs] + [CANCEL_MARK_TTL_S]
        return {int(i) - 1 for i in self._cancel(keys=keys, args=args)}
