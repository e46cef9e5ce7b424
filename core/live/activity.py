"""The activity feed: each org's CRM changes in a Redis Stream, resumable by offset.

A write stages a ``live.activity`` job in its transaction (the outbox), so an entry exists
exactly when the write commits; the job calls :func:`record`, which in one script skips a
redelivered message, appends to the stream (trimmed to about ``max_entries`` and to the
retention time), publishes the frame with its ``offset`` and marks the org's dashboard
dirty. One script, so frames are published in offset order on every process's listener.
A client that reconnects with ``since`` gets what it missed from the stream
(:func:`replay`), or one ``resync`` frame when entries after its offset were trimmed.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
import redis

from core import channels

STREAM_PREFIX = "saleshub:activity:"
SEEN_PREFIX = "saleshub:activity-seen:"
# How long a recorded message id is remembered, so a redelivery appends nothing.
SEEN_TTL_S = 86_400
# Frames are published and stored without their offset; the script puts it first.
OFFSET_HEAD = b'{"offset":"'
REPLAY_PAGE = 500
OFFSET = re.compile(r"^(\d{1,20})(?:-(\d{1,20}))?$")

_RECORD = """
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[5]) then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'f', ARGV[1])
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[3])
redis.call('PUBLISH', ARGV[4], '{"offset":"' .. id .. '",' .. string.sub(ARGV[1], 2))
redis.call('PUBLISH', ARGV[6], '1')
return id
"""


def stream_key(org_id: int) -> str:
    return f"{STREAM_PREFIX}{org_id}"


def dirty_channel(org_id: int) -> str:
    """The internal channel that tells the hubs an org's dashboard figures changed."""
    return channels.org_channel(org_id, "dashboard.dirty")


def parse_offset(value: str) -> tuple[int, int] | None:
    """A stream id ``ms-seq`` (or ``ms``) as a comparable pair; None when malformed."""
    m = OFFSET.match(value)
    if m is None:
        return None
    return int(m[1]), int(m[2] or 0)


def with_offset(body: bytes, offset: str) -> bytes:
    """A stored frame (``{...}`` without offset) with ``offset`` first, as published."""
    return OFFSET_HEAD + offset.encode() + b'",' + body[1:]


def offset_of(frame: bytes) -> str | None:
    """The offset of a published activity frame (it is always the first field)."""
    if not frame.startswith(OFFSET_HEAD):
        return None
    end = frame.find(b'"', len(OFFSET_HEAD))
    return frame[len(OFFSET_HEAD) : end].decode()


def record(
    client: redis.Redis,
    org_id: int,
    entry: dict[str, Any],
    *,
    event_id: str,
    max_entries: int,
    retention_s: int,
) -> str | None:
    """Append ``entry`` to the org's stream and publish it; its offset (None: seen before)."""
    body = orjson.dumps(
        {"type": "event", "channel": "activity", "id": event_id, "ts": time.time(), "data": entry}
    )
    min_id = f"{int((time.time() - retention_s) * 1000)}-0"
    out = client.eval(
        _RECORD,
        2,
        stream_key(org_id),
        f"{SEEN_PREFIX}{event_id}",
        body,
        max_entries,
        min_id,
        channels.redis_channel(channels.org_channel(org_id, "activity")),
        SEEN_TTL_S,
        channels.redis_channel(dirty_channel(org_id)),
    )
    if out is None:
        return None
    return out.decode() if isinstance(out, bytes) else str(out)


@dataclass(frozen=True)
class Replay:
    """What a resuming client gets: the frames it missed, or ``resync`` from ``head``."""

    frames: list[bytes]
    resync: bool
    head: str


def head(client: redis.Redis, org_id: int) -> str:
    """The offset of the org's latest entry (``0-0`` when none): where a new reader starts."""
    try:
        info: Any = client.xinfo_stream(stream_key(org_id))
    except redis.ResponseError:  # no such key: nothing was ever recorded
        return "0-0"
    return _text(info["last-generated-id"])


def replay(client: redis.Redis, org_id: int, since: str) -> Replay:
    """The frames after ``since`` (a stream offset the client saw), or a resync.

    Only the oldest entries are ever trimmed (never ``XDEL``): when some were, any offset
    older than the first kept entry may have missed one, so it gets ``resync``.
    """
    key = stream_key(org_id)
    wanted = parse_offset(since)
    try:
        info: Any = client.xinfo_stream(key)
    except redis.ResponseError:
        return Replay([], wanted != (0, 0), "0-0")
    last = _text(info["last-generated-id"])
    last_pair = parse_offset(last)
    if wanted is None or last_pair is None or wanted > last_pair:
        return Replay([], True, last)
    if wanted == last_pair:
        return Replay([], False, last)
    trimmed = int(info["entries-added"]) > int(info["length"])
    first = info.get("first-entry")
    first_pair = parse_offset(_text(first[0])) if first else last_pair
    if trimmed and (first_pair is None or wanted < first_pair):
        return Replay([], True, last)
    frames: list[bytes] = []
    start = f"({wanted[0]}-{wanted[1]}"
    while True:
        page: Any = client.xrange(key, min=start, max="+", count=REPLAY_PAGE)
        for entry_id, fields in page:
            offset = _text(entry_id)
            frames.append(with_offset(fields[b"f"], offset))
            start = f"({offset}"
        if len(page) < REPLAY_PAGE:
            return Replay(frames, False, _text(page[-1][0]) if page else last)


def resync_frame(offset: str) -> bytes:
    """The one frame a client whose offset fell out of the window gets."""
    body = orjson.dumps(
        {
            "type": "resync",
            "channel": "activity",
            "id": uuid.uuid4().hex,
            "ts": time.time(),
            "data": {"reason": "offset outside the retained window: reload, then resume"},
        }
    )
    return with_offset(body, offset)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# The field that names a row of each resource in the feed.
TITLE_FIELD = {
    "companies": "name",
    "contacts": "first_name",
    "deals": "title",
    "leads": "name",
    "activities": "subject",
}
# Fields of a deal the live board needs to place and show its card.
DEAL_FIELDS = ("stage", "amount", "currency", "owner_id")


def entry_of(
    resource: str, row: Any, action: str, changed: list[str], user_id: int | None
) -> dict[str, Any]:
    """The feed entry of one write: small JSON, carried by the job message."""
    entry: dict[str, Any] = {
        "resource": resource,
        "action": action,
        "row_id": row.id,
        "title": str(getattr(row, TITLE_FIELD.get(resource, "id"), "") or ""),
        "changed": sorted(changed),
        "by": user_id,
    }
    if resource == "deals":
        for name in DEAL_FIELDS:
            value = getattr(row, name, None)
            entry[name] = None if value is None else (value if name == "owner_id" else str(value))
    return entry
