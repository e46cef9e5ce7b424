"""Events over Redis pub/sub: every web process's hub forwards them to its websockets.

Channels carry their scope in the name: ``org:<id>:<topic>`` for an org's events (so a
subscriber can only ever be given its own org's) and ``ops.queues`` for operators.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson
import redis

PREFIX = "saleshub:events:"


def org_channel(org_id: int, topic: str) -> str:
    """The channel of ``topic`` events of one org."""
    return f"org:{org_id}:{topic}"


def frame(channel: str, data: Any, *, kind: str = "event") -> dict[str, Any]:
    """A websocket frame: ``{type, channel, id, ts, data}``."""
    return {
        "type": kind,
        "channel": channel,
        "id": uuid.uuid4().hex,
        "ts": time.time(),
        "data": data,
    }


def publish(client: redis.Redis, channel: str, data: Any) -> None:
    """Publish one event on ``channel`` to every web process."""
    client.publish(PREFIX + channel, orjson.dumps(frame(channel, data)))
