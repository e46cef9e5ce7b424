"""The broker: middleware order, actors moved by ``configure``, queues checked, Redis vetted."""

from __future__ import annotations

import threading

import dramatiq
import pytest
import redis
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from core.queueing.broker import (
    actor,
    build_middleware,
    build_redis_broker,
    configure,
    current_broker,
)
from core.queueing.fairness import OrgFairness
from core.queueing.handback import Handback
from core.queueing.heartbeat import Heartbeat
from core.queueing.ledger import Ledger
from core.queueing.log_context import LogContext
from core.queueing.minute_stats import Stats
from core.queueing.queues import NAMES
from core.queueing.status_feed import JobEvents
from core.redis_clients import BrokerConfigError
from core.settings import Settings
from tests.web.test_dependency_down import silent_port

__all__ = ["silent_port"]


@actor(actor_name="test.broker_probe", queue_name="bulk", max_retries=0)
def probe(n: int) -> int:
    """Return ``n``."""
    return n


def test_middleware_order_puts_the_ledger_first(settings: Settings) -> None:
    """First but for fairness, which defers a message over its org's cap before the ledger
    marks its job running (core.queueing.fairness)."""
    middleware = build_middleware(settings)
    assert [type(m) for m in middleware] == [
        LogContext,  # binds the message's ids before, and unbinds them after, everything
        OrgFairness,
        Ledger,
        Handback,  # its after_worker_shutdown runs before the ledger closes its writer
        Heartbeat,
        Stats,
        JobEvents,
        AgeLimit,
        TimeLimit,
        ShutdownNotifications,
        Callbacks,
        Pipelines,
        Retries,
        CurrentMessage,
    ]
    # Dramatiq runs ``after_*`` hooks in reverse, so the ledger records an outcome last,
    # once Retries has decided whether the message failed for good.
    ledger = middleware[2]
    assert isinstance(ledger, Ledger) and ledger.store is not None


def test_middleware_without_settings_is_inert() -> None:
    fairness, ledger, handback, heartbeat, stats, events = build_middleware(None)[1:7]
    assert isinstance(fairness, OrgFairness) and fairness.settings is None
    assert isinstance(ledger, Ledger) and ledger.store is None
    assert isinstance(handback, Handback) and handback.settings is None
    assert isinstance(heartbeat, Heartbeat) and heartbeat.settings is None
    assert isinstance(stats, Stats) and not stats.enabled
    assert isinstance(events, JobEvents) and not events.enabled


def test_configure_moves_declared_actors_to_the_new_broker(settings: Settings) -> None:
    first = configure(settings, StubBroker(middleware=build_middleware(None)))
    second = StubBroker(middleware=build_middleware(None))
    assert configure(settings, second) is second
    assert probe.broker is second
    assert second.get_actor("test.broker_probe") is probe
    assert "test.broker_probe" in second.get_declared_actors()
    assert "bulk" in second.get_declared_queues()
    assert dramatiq.get_broker() is second and current_broker() is second
    assert first is not second
    # And a message sent now lands on the new broker's queue.
    probe.send(1)
    assert second.queues["bulk"].qsize() == 1


def test_actor_refuses_an_unknown_queue() -> None:
    with pytest.raises(ValueError, match="unknown queue 'slow'"):
        actor(queue_name="slow")
    assert "slow" not in NAMES


def _set_policy(url: str, policy: str) -> None:
    with redis.Redis.from_url(url) as client:
        client.config_set("maxmemory-policy", policy)


def test_build_redis_broker_refuses_an_evicting_redis(
    settings: Settings, evicting_redis: str
) -> None:
    _set_policy(evicting_redis, "allkeys-lru")
    with pytest.raises(BrokerConfigError, match="allkeys-lru"):
        build_redis_broker(settings.replace(broker={"url": evicting_redis}))


def test_build_redis_broker_accepts_noeviction(settings: Settings, evicting_redis: str) -> None:
    _set_policy(evicting_redis, "noeviction")
    try:
        broker = build_redis_broker(settings.replace(broker={"url": evicting_redis}))
        try:
            assert broker.namespace == settings.broker.namespace
            assert isinstance(broker.middleware[2], Ledger)
        finally:
            broker.client.close()
    finally:
        _set_policy(evicting_redis, "allkeys-lru")


def test_the_broker_pool_holds_a_connection_per_greenlet_of_a_delivery_process(
    settings: Settings,
) -> None:
    # redis-py 8 caps a pool at 100 and raises "Too many connections" past it; a delivery
    # process runs DELIVERY_GREENLETS jobs at once, each able to hold a connection.
    local = settings.replace(worker={"delivery_greenlets": 150})
    broker = build_redis_broker(local)
    pool = broker.client.connection_pool
    held = [pool.get_connection() for _ in range(150)]
    try:
        assert len({id(c) for c in held}) == 150
    finally:
        for connection in held:
            pool.release(connection)
        broker.close()


def test_the_broker_pool_bounds_every_call_on_a_hung_redis(
    settings: Settings, silent_port: int
) -> None:
    # A Redis that accepts the connection and never answers: the first call (the eviction
    # policy check) ends with a timeout of BROKER_SOCKET_TIMEOUT_S, not redis-py's default.
    local = settings.replace(
        broker={"url": f"redis://127.0.0.1:{silent_port}/0", "socket_timeout_s": 0.3}
    )
    outcome: list[BaseException] = []

    def build() -> None:
        try:
            build_redis_broker(local)
        except BaseException as exc:  # recorded for the assertion below
            outcome.append(exc)

    thread = threading.Thread(target=build, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "a broker call waited past its socket timeout"
    assert len(outcome) == 1 and isinstance(outcome[0], redis.TimeoutError)
    client = build_redis_broker(settings.replace(broker={"socket_timeout_s": 0.3})).client
    options = client.connection_pool.connection_kwargs
    assert (options["socket_timeout"], options["socket_connect_timeout"]) == (0.3, 0.3)
    assert options["socket_keepalive"] is True and options["health_check_interval"] == 30
    client.close()
