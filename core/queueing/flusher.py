"""A middleware base for buffers that a worker flushes to Redis on a timer."""

from __future__ import annotations

import threading
from typing import Any

import redis
from dramatiq import Broker
from dramatiq.middleware import Middleware


class PeriodicFlush(Middleware):
    """Call :meth:`flush` every ``interval`` seconds in each worker, and once at shutdown.

    Parameters:
      enabled: off on brokers without a Redis client (tests with ``StubBroker``).
      interval: seconds between flushes.
    """

    thread_name = "flush"

    def __init__(self, *, enabled: bool, interval: float) -> None:
        self.enabled = enabled
        self.interval = interval
        self._stop = threading.Event()

    def flush(self, client: redis.Redis) -> None:
        """Write what was buffered."""
        raise NotImplementedError

    def after_worker_boot(self, broker: Broker, worker: Any) -> None:
        client = getattr(broker, "client", None)
        if not self.enabled or client is None:
            return

        def loop() -> None:
            while not self._stop.wait(self.interval):
                self.flush(client)
            self.flush(client)

        self._stop.clear()
        threading.Thread(target=loop, name=f"saleshub-{self.thread_name}", daemon=True).start()

    def before_worker_shutdown(self, broker: Broker, worker: Any) -> None:
        self._stop.set()
