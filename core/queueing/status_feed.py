"""Job status events for the websocket ``jobs`` channel, batched off the hot path.

Each worker process collects status changes in memory and publishes them every 100 ms in
one pipeline, so a job costs a list append, not two Redis round trips. Events tell a
client to look; ``GET /api/v1/jobs/<id>`` (the ledger) stays the truth.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import orjson
import redis
from dramatiq import Broker
from dramatiq.broker import MessageProxy

from core import channels
from core.queueing.flusher import PeriodicFlush
from models import JobStatus

log = logging.getLogger(__name__)

ORG_OPTION = "saleshub_org"
FLUSH_S = 0.1


def job_event(message: Any, status: str, **extra: Any) -> tuple[str, bytes] | None:
    """The (channel, frame) announcing ``status`` of the job ``message`` runs, if it has an org."""
    org_id = message.options.get(ORG_OPTION)
    if org_id is None:
        return None
    channel = channels.org_channel(org_id, "jobs")
    data = {"id": message.message_id, "actor": message.actor_name, "status": status, **extra}
    return channel, orjson.dumps(channels.frame("jobs", data))


class JobEvents(PeriodicFlush):
    """Publish ``running``, ``succeeded``, ``failed`` and ``retrying`` for org jobs.

    Parameters:
      enabled: off on brokers without a Redis client.
    """

    thread_name = "job-events"

    def __init__(self, enabled: bool = True) -> None:
        super().__init__(enabled=enabled, interval=FLUSH_S)
        self._pending: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    def _add(self, message: MessageProxy, status: str) -> None:
        event = job_event(message, status)
        if event is not None and self.enabled:
            with self._lock:
                self._pending.append(event)

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._add(message, JobStatus.RUNNING)

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None:
            self._add(message, JobStatus.SUCCEEDED)
        else:
            self._add(message, JobStatus.FAILED if message.failed else "retrying")

    def flush(self, client: redis.Redis) -> None:
        """Publish what is pending."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            channels.publish_encoded(client, pending)
        except redis.RedisError:
            log.warning("dropped %d job events: broker unreachable", len(pending))
