"""Keeps a busy worker's heartbeat fresh.

Dramatiq's Redis broker only refreshes a worker's heartbeat when it sends a command; a
worker whose prefetch is full of long jobs sends none, is declared dead after
``heartbeat_timeout`` and has its running messages handed to another worker. This
middleware refreshes the heartbeat on a timer so only a really dead worker loses them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

import orjson
from dramatiq import Broker
from dramatiq.middleware import Middleware

from core.settings import Settings

WORKERS_KEY = "saleshub:workers"

log = logging.getLogger(__name__)


class Heartbeat(Middleware):
    """Refresh this worker's entry in ``<ns>:__heartbeats__`` every third of the timeout.

    Parameters:
      settings: where the interval comes from; ``None`` disables the middleware.
    """

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: Broker, worker: Any) -> None:
        client = getattr(broker, "client", None)
        if self.settings is None or client is None:
            return
        key = f"{broker.namespace}:__heartbeats__"  # type: ignore[attr-defined]
        broker_id = broker.broker_id  # type: ignore[attr-defined]
        interval = self.settings.worker.heartbeat_timeout_ms / 3000
        # Register who this worker is, for the ops view (Dramatiq keeps only an id).
        info = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "queues": sorted(
                getattr(worker, "consumer_whitelist", None) or broker.get_declared_queues()
            ),
            "started_at": time.time(),
        }
        try:
            client.hset(WORKERS_KEY, broker_id, orjson.dumps(info))
        except Exception:  # the heartbeat loop below reports a broker outage
            log.warning("could not register the worker", exc_info=True)

        def beat() -> None:
            while not self._stop.wait(interval):
                try:
                    client.zadd(key, {broker_id: int(time.time() * 1000)})
                except Exception:  # the broker being down is logged; the next beat retries
                    log.warning("heartbeat to the broker failed", exc_info=True)

        self._stop.clear()
        self._thread = threading.Thread(target=beat, name="saleshub-heartbeat", daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker: Broker, worker: Any) -> None:
        self._stop.set()
        client = getattr(broker, "client", None)
        if self.settings is not None and client is not None:
            with contextlib.suppress(Exception):
                client.hdel(WORKERS_KEY, broker.broker_id)  # type: ignore[attr-defined]
