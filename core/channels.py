"""Events over Redis pub/sub: every web process's hub forwards them to its websockets.

Channels carry their scope in the name: ``org:<id>:<topic>`` for an org's events (so a
subscriber can only ever be given its own org's) and ``ops.queues`` for operators.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

import orjson
import redis

PREFIX = "saleshub:events:"
# What a hub subscribes to: every channel's events.
PATTERN = PREFIX + "*"


def redis_channel(channel: str) -> str:
    """The Redis pub/sub channel that carries ``channel``'s events."""
    return PREFIX + channel


def channel_of(redis_name: bytes | str) -> str:
    """The channel a Redis pub/sub channel name carries (the inverse of :func:`redis_channel`)."""
    name = redis_name.decode() if isinstance(redis_name, bytes) else redis_name
    return name.removeprefix(PREFIX)


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
    client.publish(redis_channel(channel), orjson.dumps(frame(channel, data)))


def publish_encoded(client: redis.Redis, events: Iterable[tuple[str, bytes]]) -> int:
    """Publish frames already encoded, as ``(channel, frame)`` pairs, in one round trip."""
    pipe = client.pipeline(transaction=False)
    n = 0
    for channel, data in events:
        pipe.publish(redis_channel(channel), data)
        n += 1
    if n:
        pipe.execute()
    return n
