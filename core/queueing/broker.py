"""The Dramatiq broker, configured once, and the decorator every actor is declared with.

Actors are declared at import time, but nothing may connect or read the environment then;
so they are declared on an inert placeholder (a ``StubBroker``) and moved to the real
broker by :func:`configure`, which processes call when they start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import dramatiq
import redis
from dramatiq import Actor, Broker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from core.queueing.consumer import WakingRedisBroker
from core.queueing.fairness import OrgFairness
from core.queueing.handback import Handback
from core.queueing.heartbeat import Heartbeat
from core.queueing.ledger import Ledger
from core.queueing.log_context import LogContext
from core.queueing.minute_stats import Stats
from core.queueing.queues import NAMES, priority
from core.queueing.status_feed import JobEvents
from core.queueing.supervisor import report_restarts_to
from core.redis_clients import check_broker_policy, client_options
from core.settings import Settings

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def build_middleware(settings: Settings | None) -> list[Middleware]:
    """Our middleware: the log context first (every other middleware's lines about a message
    carry its ids), then fairness, which may defer a message before the ledger marks its job
    running. ``after_*`` hooks run in reverse: the ledger sees every skip and every outcome
    before fairness gives the org's slot back."""
    return [
        # First: every other middleware's lines about a message carry its ids.
        LogContext(),
        OrgFairness(settings),
        Ledger(settings),
        Handback(settings),
        Heartbeat(settings),
        Stats(enabled=settings is not None),
        JobEvents(enabled=settings is not None),
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(),
        CurrentMessage(),
    ]


class _State:
    broker: Broker = StubBroker(middleware=build_middleware(None))
    actors: dict[str, Actor[Any, Any]] = {}
    configured: bool = False


def actor(*, queue_name: str = "default", actor_name: str | None = None, **options: Any) -> Any:
    """Declare a Dramatiq actor on SalesHub's broker (see the module docstring)."""
    if queue_name not in NAMES:
        raise ValueError(f"unknown queue {queue_name!r}; use one of {NAMES}")
    options.setdefault("priority", priority(queue_name))

    def decorator(fn: F) -> Actor[Any, Any]:
        declared: Actor[Any, Any] = dramatiq.actor(  # type: ignore[call-overload]
            fn, actor_name=actor_name, queue_name=queue_name, broker=_State.broker, **options
        )
        _State.actors[declared.actor_name] = declared
        return declared

    return decorator


def _pool_size(settings: Settings) -> int:
    """Broker connections a process may open: one per job it runs at once, and room."""
    return max(settings.worker.threads, settings.worker.delivery_greenlets) + 64


def build_redis_broker(settings: Settings) -> RedisBroker:
    """A Redis broker on ``settings.broker.url``, refusing an evicting Redis."""
    # Our pool, as Dramatiq builds it from a URL (it passes nothing else to the pool, so
    # options given beside ``url`` never reached it), sized to the process: redis-py 8
    # caps a pool at 100 connections and raises past that, and a delivery process runs
    # DELIVERY_GREENLETS jobs at once, each able to hold one (the fairness script's calls
    # failed with "Too many connections" under the noisy-neighbour flood). Every call is
    # bounded like any other broker client's: Dramatiq's consumer never blocks in Redis
    # (it polls with a Lua fetch and sleeps), and our wake-up reads pass their own timeout.
    pool = redis.ConnectionPool.from_url(
        settings.broker.url,
        max_connections=_pool_size(settings),
        **client_options(settings.broker.socket_timeout_s),
    )
    broker = WakingRedisBroker(
        client=redis.Redis(connection_pool=pool),
        namespace=settings.broker.namespace,
        heartbeat_timeout=settings.worker.heartbeat_timeout_ms,
        middleware=build_middleware(settings),
    )
    check_broker_policy(broker.client)
    return broker


def build_rabbitmq_broker(settings: Settings) -> Broker:
    """Dramatiq's RabbitMQ broker on quorum queues (``settings.broker.rabbitmq_url``), with
    the broker Redis beside it for pub/sub, leases and heartbeats."""
    from core.queueing.brokers.rabbitmq import SalesHubRabbitmqBroker

    client = redis.Redis.from_url(
        settings.broker.url,
        max_connections=_pool_size(settings),
        **client_options(settings.broker.socket_timeout_s),
    )
    check_broker_policy(client)
    return SalesHubRabbitmqBroker(
        url=settings.broker.rabbitmq_url,
        client=client,
        namespace=settings.broker.namespace,
        prefetch=settings.broker.prefetch,
        delivery_limit=settings.broker.delivery_limit,
        timeout_s=settings.broker.confirm_timeout_s,
        middleware=build_middleware(settings),
    )


def build_broker(settings: Settings) -> Broker:
    """The broker ``settings.broker.kind`` names."""
    if settings.broker.kind == "rabbitmq":
        return build_rabbitmq_broker(settings)
    return build_redis_broker(settings)


def configure(settings: Settings, broker: Broker | None = None) -> Broker:
    """Make ``broker`` (default: the one ``BROKER_KIND`` names) the broker of every actor."""
    broker = broker or build_broker(settings)
    for declared in _State.actors.values():
        declared.broker = broker
        broker.declare_actor(declared)
    dramatiq.set_broker(broker)
    # This process's supervised loops (relay, lease, ledger writer) count their restarts here.
    report_restarts_to(getattr(broker, "client", None))
    _State.broker = broker
    _State.configured = True
    return broker


def current_broker() -> Broker:
    """The broker actors are bound to now."""
    return _State.broker
