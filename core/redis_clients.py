"""Redis connections for the two roles, and the broker's safety check."""

from __future__ import annotations

from typing import Any

import redis

EVICTING_POLICIES_OK = frozenset({"noeviction"})


class BrokerConfigError(RuntimeError):
    """The broker Redis is configured so that it could lose jobs."""


def connect(url: str, *, timeout: float = 5.0) -> redis.Redis:
    """A client for ``url`` whose every call ends within about ``timeout``: bounded
    connect and socket timeouts, TCP keepalive, and a ping on a connection idle 30 s."""
    return redis.Redis.from_url(url, **client_options(timeout))


def client_options(timeout: float) -> dict[str, Any]:
    """redis-py options that bound every wait on a dead or half-open connection."""
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "socket_keepalive": True,
        "health_check_interval": 30,
    }


def check_broker_policy(client: redis.Redis) -> None:
    """Refuse a broker Redis that may evict keys: an evicted key is a lost job."""
    policy = client.info("memory").get("maxmemory_policy")
    if policy not in EVICTING_POLICIES_OK:
        raise BrokerConfigError(
            f"the broker Redis has maxmemory-policy {policy!r}; SalesHub needs 'noeviction' "
            "(an evicting broker silently drops queued jobs). Set it with "
            "'CONFIG SET maxmemory-policy noeviction' or point BROKER_URL (BROKER_REDIS_URL when "
            "BROKER_URL is an AMQP URL) at another Redis."
        )
