"""``python -m worker.probe``: the container healthcheck of a process without a port.

A worker, delivery or scheduler container is healthy while it can reach what it needs to
move jobs: the broker Redis (pub/sub, leases, pause flags and, by default, the queues) and,
with ``BROKER_KIND=rabbitmq``, RabbitMQ. Exit 0 when both answer within ``timeout_s``, 1
otherwise, naming what failed on stderr (``docker inspect`` keeps it).
"""

from __future__ import annotations

import sys

import pika
import redis

from core.queueing.brokers.rabbitmq import parameters
from core.settings import Settings


def failures(settings: Settings, *, timeout_s: float = 3.0) -> list[str]:
    """What of the job path does not answer now: ``[]`` when all of it does."""
    out: list[str] = []
    try:
        redis.Redis.from_url(settings.broker.url, socket_timeout=timeout_s).ping()
    except (redis.RedisError, OSError) as exc:
        out.append(f"broker redis: {exc.__class__.__name__}")
    if settings.broker.kind == "rabbitmq":
        try:
            pika.BlockingConnection(parameters(settings.broker.rabbitmq_url, timeout_s)).close()
        except (pika.exceptions.AMQPError, OSError) as exc:
            out.append(f"rabbitmq: {exc.__class__.__name__}")
    return out


def main() -> int:
    """Probe with the process's own settings; print what failed."""
    failed = failures(Settings.from_env())
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
