"""The activity stream: record once, publish with the offset first, resume or resync."""

from __future__ import annotations

import time

import orjson
import redis

from core import channels
from core.live import activity


def _record(client: redis.Redis, org_id: int, n: int, **kw: int) -> str | None:
    entry = {"resource": "deals", "action": "create", "row_id": n, "title": f"d{n}"}
    limits = {"max_entries": 10_000, "retention_s": 86_400, **kw}
    return activity.record(client, org_id, entry, event_id=f"m{org_id}-{n}", **limits)


def test_a_recorded_entry_is_published_with_its_offset_and_marks_the_dashboard(
    broker_redis: redis.Redis,
) -> None:
    pubsub = broker_redis.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(channels.PATTERN)
    pubsub.get_message(timeout=5)
    offset = _record(broker_redis, 1, 1)
    assert offset is not None and activity.parse_offset(offset) is not None
    assert _record(broker_redis, 1, 1) is None  # a redelivered message appends nothing
    got = [pubsub.get_message(timeout=5) for _ in range(2)]
    pubsub.close()
    names = [channels.channel_of(m["channel"]) for m in got if m]
    assert names == ["org:1:activity", "org:1:dashboard.dirty"]
    frame = orjson.loads(got[0]["data"])
    assert frame["offset"] == offset and frame["type"] == "event"
    assert frame["channel"] == "activity" and frame["data"]["title"] == "d1"
    assert {"id", "ts"} <= frame.keys()
    assert activity.offset_of(got[0]["data"]) == offset
    assert activity.head(broker_redis, 1) == offset


def test_a_resume_gets_what_it_missed_in_order(broker_redis: redis.Redis) -> None:
    offsets = [_record(broker_redis, 2, n) for n in range(5)]
    got = activity.replay(broker_redis, 2, offsets[1])  # type: ignore[arg-type]
    assert not got.resync and got.head == offsets[-1]
    frames = [orjson.loads(f) for f in got.frames]
    assert [f["offset"] for f in frames] == offsets[2:]
    assert [f["data"]["row_id"] for f in frames] == [2, 3, 4]
    up_to_date = activity.replay(broker_redis, 2, offsets[-1])
    assert up_to_date.frames == [] and not up_to_date.resync
    assert len(activity.replay(broker_redis, 2, "0-0").frames) == 5


def test_an_offset_outside_the_window_gets_resync(broker_redis: redis.Redis) -> None:
    first = _record(broker_redis, 3, 0, max_entries=10)
    for n in range(1, 400):
        _record(broker_redis, 3, n, max_entries=10)
    assert broker_redis.xlen(activity.stream_key(3)) < 400  # trimmed (about 10, by nodes)
    old = activity.replay(broker_redis, 3, first)  # type: ignore[arg-type]
    assert old.resync and old.frames == []
    head = activity.head(broker_redis, 3)
    assert activity.replay(broker_redis, 3, head).resync is False
    future = f"{int(time.time() * 1000) + 10**9}-0"
    assert activity.replay(broker_redis, 3, future).resync  # not an offset of this stream
    assert activity.replay(broker_redis, 99, "5-0").resync  # an org with no stream
    assert not activity.replay(broker_redis, 99, "0-0").resync
    frame = orjson.loads(activity.resync_frame(head))
    assert frame["type"] == "resync" and frame["offset"] == head


def test_entries_older_than_the_retention_are_trimmed(broker_redis: redis.Redis) -> None:
    key = activity.stream_key(4)
    old_ms = int((time.time() - 7200) * 1000)
    for n in range(200):  # two hours ago, in one node the trim can drop whole
        broker_redis.xadd(key, {"f": b"{}"}, id=f"{old_ms}-{n}")
    _record(broker_redis, 4, 1, retention_s=3600)
    assert broker_redis.xlen(key) == 1


def test_offsets_parse_and_malformed_ones_do_not() -> None:
    assert activity.parse_offset("12-3") == (12, 3)
    assert activity.parse_offset("12") == (12, 0)
    for bad in ("", "x", "1-2-3", "-1", "1-"):
        assert activity.parse_offset(bad) is None
    assert activity.offset_of(b'{"type":"event"}') is None
