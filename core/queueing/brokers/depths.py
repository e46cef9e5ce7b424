"""Ready messages per queue as RabbitMQ counts them, kept in the broker Redis.

The relay holds an AMQP connection and samples RabbitMQ's counts once a second; web
processes read them from Redis (no AMQP connection per request) for backpressure. A sample
older than ``STALE_AFTER_S`` (no relay running) counts as none.
"""

from __future__ import annotations

import time
from typing import Any

READY_KEY = "saleshub:broker:ready"
STALE_AFTER_S = 30.0


def write_ready(client: Any, ready: dict[str, int]) -> None:
    """Store one sample of ready counts, stamped with the time."""
    client.hset(READY_KEY, mapping={**ready, "_at": time.time()})


def read_ready(client: Any) -> dict[str, int]:
    """The last fresh sample (queue → ready messages); empty when none is fresh."""
    raw = {k.decode(): v.decode() for k, v in client.hgetall(READY_KEY).items()}
    at = float(raw.pop("_at", 0) or 0)
    if time.time() - at > STALE_AFTER_S:
        return {}
    return {queue: int(n) for queue, n in raw.items()}
