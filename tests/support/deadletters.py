"""Dead letters written as Dramatiq writes them (tests and the console bench)."""

from __future__ import annotations

import uuid

import orjson
import redis


def seed(
    client: redis.Redis,
    ns: str,
    queue: str,
    scores: list[float],
    *,
    actor: str = "a.x",
    error: str = "E",
) -> list[str]:
    """Dead letters on ``queue`` as Dramatiq writes them; return their message ids."""
    pipe = client.pipeline(transaction=False)
    ids = []
    for score in scores:
        rid, mid = str(uuid.uuid4()), str(uuid.uuid4())
        msg = {
            "message_id": mid,
            "queue_name": queue,
            "actor_name": actor,
            "args": [],
            "kwargs": {},
            "options": {"traceback": f"Traceback\n  frame\n{error}: {mid[:4]}"},
        }
        pipe.zadd(f"{ns}:{queue}.XQ", {rid: score})
        pipe.hset(f"{ns}:{queue}.XQ.msgs", rid, orjson.dumps(msg))
        ids.append(mid)
    pipe.execute()
    return ids
