"""Bare Dramatiq 2 on Redis with its default middleware.

Worker: ``dramatiq bench.support.peers.dramatiq_app``.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from bench.support.peers.effect import PREFIX, URL, record

broker = RedisBroker(url=URL, namespace=f"{PREFIX}-dramatiq")
dramatiq.set_broker(broker)


@dramatiq.actor(actor_name="peer_noop", queue_name="default", max_retries=0)
def noop(enqueued_at: float | None = None) -> None:
    record(enqueued_at)


def enqueue(enqueued_at: float | None = None) -> None:
    noop.send(enqueued_at)
