"""The brokers job messages can go to, behind one interface (:class:`Publisher`).

Redis is the default; RabbitMQ (quorum queues, publisher confirms) is for deployments that
outgrow one Redis (docs/decisions/0020). Pub/sub, leases, rate limits, job status and the
cache stay on Redis with either.
"""

from __future__ import annotations

from dramatiq import Broker
from dramatiq.brokers.redis import RedisBroker

from core.queueing.brokers.base import BrokerUnavailable, Publisher, Sent
from core.settings import Settings

__all__ = ["BrokerUnavailable", "Publisher", "Sent", "publisher_for"]


def publisher_for(broker: Broker, settings: Settings) -> Publisher:
    """The relay's publisher for ``broker``."""
    if isinstance(broker, RedisBroker):
        from core.queueing.brokers.redis import RedisPublisher

        return RedisPublisher(broker)
    from core.queueing.brokers.rabbitmq import RabbitmqPublisher, SalesHubRabbitmqBroker

    if isinstance(broker, SalesHubRabbitmqBroker):
        return RabbitmqPublisher(broker, confirm_timeout_s=settings.broker.confirm_timeout_s)
    raise TypeError(f"no publisher for {type(broker).__name__}")
