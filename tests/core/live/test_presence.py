"""Presence across processes: a user joins with their first socket, leaves with their last."""

from __future__ import annotations

import redis

from core.live import presence


def test_join_and_leave_are_per_user_not_per_socket(broker_redis: redis.Redis) -> None:
    assert presence.join(broker_redis, 1, 10, "a", ttl_s=30) is True
    assert presence.join(broker_redis, 1, 10, "b", ttl_s=30) is False  # a second tab
    assert presence.join(broker_redis, 1, 11, "c", ttl_s=30) is True
    assert presence.online(broker_redis, 1) == [10, 11]
    assert presence.online(broker_redis, 2) == []  # another org sees no one
    assert presence.leave(broker_redis, 1, 10, "a") is False
    assert presence.leave(broker_redis, 1, 10, "a") is False  # twice changes nothing
    assert presence.leave(broker_redis, 1, 10, "b") is True
    assert presence.online(broker_redis, 1) == [11]


def test_sockets_of_a_dead_process_are_reaped(broker_redis: redis.Redis) -> None:
    presence.join(broker_redis, 5, 1, "live", ttl_s=30)
    presence.join(broker_redis, 5, 2, "dead", ttl_s=30)
    broker_redis.zadd("saleshub:presence-org:5:sockets", {"2:dead": 1.0}, xx=True)
    presence.heartbeat(broker_redis, [(5, 1, "live")])
    assert presence.reap(broker_redis, 5, ttl_s=30) == [2]
    assert presence.reap(broker_redis, 5, ttl_s=30) == []
    assert presence.online(broker_redis, 5) == [1]
    presence.heartbeat(broker_redis, [])  # nothing to renew: no round trip
