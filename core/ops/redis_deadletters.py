"""Dead letters on the Redis broker: browse and purge the messages in each queue's ``.XQ``
(a zset of ids scored by the time they died, and ``.XQ.msgs``, id → payload).

Moved unchanged from ``core/ops/deadletters.py`` when the ops views went behind the broker
interface (docs/decisions/0024); retry (:func:`core.ops.deadletters.retry`) is the same
for both brokers.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Iterator
from typing import Any

import orjson
import redis

from core.ops.deadletters import DeadLetter, Position, last_line, matches
from core.queueing.queues import NAMES

_CHUNK = 200


def _positions(
    client: redis.Redis, namespace: str, queue: str, after: Position | None, size: int = _CHUNK
) -> Iterator[Position]:
    """One queue's dead letters after ``after``, newest first, read a chunk at a time."""
    xq = f"{namespace}:{queue}.XQ"
    top: float | str = "+inf" if after is None else after[0]
    offset = 0
    while True:
        batch: Any = client.zrevrangebyscore(
            xq, top, "-inf", start=offset, num=size, withscores=True
        )
        offset += len(batch)
        for rid, score in batch:
            pos = (float(score), queue, rid.decode())
            if after is None or pos < after:
                yield pos
        if len(batch) < size:
            return


def _letter(pos: Position, raw: bytes) -> DeadLetter:
    data = orjson.loads(raw)
    return DeadLetter(
        message_id=data["message_id"],
        redis_id=pos[2],
        queue=pos[1],
        actor=data["actor_name"],
        died_at=pos[0] / 1000,
        error=last_line(data.get("options", {}).get("traceback")),
        message=data,
    )


def scan(
    client: redis.Redis,
    namespace: str,
    *,
    queue: str | None = None,
    actor: str | None = None,
    text: str | None = None,
    message_id: str | None = None,
    after: Position | None = None,
) -> Iterator[tuple[Position, DeadLetter | None]]:
    """Every dead letter after ``after``, newest first across the queues, with its
    position; the letter is None where it does not match the filters (so a caller can
    bound how many it examines and still resume from the last position)."""
    # Merge each queue's newest-first stream, fetching payloads a chunk at a time: the
    # first page of 100,000 dead letters reads a few hundred, not all of them.
    # Filtered, most letters are read only to be skipped: read more per round trip.
    size = _CHUNK * 5 if (text or actor or message_id) else _CHUNK
    merged = heapq.merge(
        *(_positions(client, namespace, q, after, size) for q in ((queue,) if queue else NAMES)),
        reverse=True,
    )
    needle = text.lower().encode() if text else None
    while True:
        chunk = list(itertools.islice(merged, size))
        if not chunk:
            return
        pipe = client.pipeline(transaction=False)
        for _score, q, rid in chunk:
            pipe.hget(f"{namespace}:{q}.XQ.msgs", rid)
        for pos, raw in zip(chunk, pipe.execute(), strict=True):
            if raw is None or (needle is not None and needle not in raw.lower()):
                yield pos, None
                continue
            letter = _letter(pos, raw)
            if not matches(letter, actor=actor, message_id=message_id):
                yield pos, None
                continue
            yield pos, letter


def page(
    client: redis.Redis,
    namespace: str,
    *,
    limit: int,
    after: Position | None = None,
    max_scanned: int = 20_000,
    **filters: Any,
) -> tuple[list[DeadLetter], Position | None]:
    """Up to ``limit`` dead letters after ``after`` and the position to continue from
    (None at the end). At most ``max_scanned`` are examined, so a filter that matches
    little answers in bounded time with a short page and a position to go on from."""
    out: list[DeadLetter] = []
    last: Position | None = None
    for n, (pos, letter) in enumerate(scan(client, namespace, after=after, **filters), 1):
        last = pos
        if letter is not None:
            out.append(letter)
            if len(out) == limit:
                return out, pos
        if n >= max_scanned:
            return out, last
    return out, None


def matching(
    client: redis.Redis,
    namespace: str,
    *,
    queue: str | None = None,
    actor: str | None = None,
    text: str | None = None,
    message_id: str | None = None,
) -> Iterator[DeadLetter]:
    """Every dead letter matching the filters, in no order (``died_at`` is 0): a bulk
    action's set, read with HSCAN a thousand payloads a round trip, which is several
    times faster than the ordered :func:`scan` over 100,000 letters."""
    needle = text.lower().encode() if text else None
    for q in (queue,) if queue else NAMES:
        for rid, raw in client.hscan_iter(f"{namespace}:{q}.XQ.msgs", count=1000):
            if needle is not None and needle not in raw.lower():
                continue
            letter = _letter((0.0, q, rid.decode()), raw)
            if not matches(letter, actor=actor, message_id=message_id):
                continue
            yield letter


def count(client: redis.Redis, namespace: str, **filters: Any) -> int:
    """How many dead letters match ``filters`` (a cardinality without actor or text)."""
    if not filters.get("actor") and not filters.get("text") and not filters.get("message_id"):
        queues = (filters["queue"],) if filters.get("queue") else NAMES
        pipe = client.pipeline(transaction=False)
        for q in queues:
            pipe.zcard(f"{namespace}:{q}.XQ")
        return int(sum(pipe.execute()))
    return sum(1 for _ in matching(client, namespace, **filters))


def find(client: redis.Redis, namespace: str, **filters: Any) -> list[DeadLetter]:
    """Dead letters matching every given filter, newest first."""
    return [letter for _, letter in scan(client, namespace, **filters) if letter is not None]


def get(
    client: redis.Redis, namespace: str, message_id: str, *, queue: str | None, redis_id: str | None
) -> DeadLetter | None:
    """The dead letter of ``message_id``: straight from its job's Redis id when the ledger
    knows it, else by scanning."""
    if queue and redis_id:
        xq = f"{namespace}:{queue}.XQ"
        score: Any = client.zscore(xq, redis_id)
        raw: Any = client.hget(f"{xq}.msgs", redis_id)
        if score is not None and raw is not None:
            letter = _letter((float(score), queue, redis_id), raw)
            if letter.message_id == message_id:
                return letter
    found = next(matching(client, namespace, message_id=message_id), None)
    if found is None:
        return None
    died: Any = client.zscore(f"{namespace}:{found.queue}.XQ", found.redis_id)
    return dataclasses.replace(found, died_at=float(died or 0.0) / 1000)


def remove(client: redis.Redis, namespace: str, letters: list[DeadLetter]) -> int:
    """Delete ``letters`` from their dead-letter queues; return how many were removed."""
    pipe = client.pipeline(transaction=False)
    for letter in letters:
        xq = f"{namespace}:{letter.queue}.XQ"
        pipe.zrem(xq, letter.redis_id)
        pipe.hdel(f"{xq}.msgs", letter.redis_id)
    return sum(pipe.execute()[::2]) if letters else 0
