"""The one effect every peer's no-op task has (see the package docstring)."""

from __future__ import annotations

import os
import time

import redis

URL = os.environ["BENCH_PEER_URL"]
PREFIX = os.environ.get("BENCH_PEER_PREFIX", "peer")
_client = redis.Redis.from_url(URL, socket_timeout=10)


def record(enqueued_at: float | None) -> None:
    """Count the job; a probe job (``enqueued_at`` set) also records its start delay."""
    started = time.time()
    pipe = _client.pipeline(transaction=False)
    pipe.incr(f"{PREFIX}:done")
    if enqueued_at is not None:
        pipe.rpush(f"{PREFIX}:lat", (started - enqueued_at) * 1000)
    pipe.execute()
