"""Bare Dramatiq, the baseline: a plain RedisBroker with Dramatiq's default middleware.

Loaded by ``dramatiq bench.support.bare_actors``; reads ``BENCH_BARE_BROKER_URL`` and
``BENCH_BARE_NAMESPACE`` (set by bench/jobs.py).
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker

broker = RedisBroker(
    url=os.environ["BENCH_BARE_BROKER_URL"],
    namespace=os.environ.get("BENCH_BARE_NAMESPACE", "bench_bare"),
)
dramatiq.set_broker(broker)


@dramatiq.actor(actor_name="bench.bare_noop", queue_name="default")
def noop() -> None:
    """Do nothing."""
