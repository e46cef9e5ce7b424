"""Hands the messages still running at the end of a worker's shutdown grace back to their queue.

Dramatiq already drains on SIGTERM: ``Worker.stop(timeout)`` (the CLI's
``--worker-shutdown-timeout``, which ``python -m worker`` sets from
``WORKER_SHUTDOWN_GRACE_S``) stops the worker threads from taking new messages, waits up to
the timeout for the running ones, and requeues the messages prefetched but not started.
What it does not do is give back a message still running when the timeout ends: the process
exits, the message stays in this worker's ack set until its heartbeat expires and
maintenance requeues it, and our ledger counts the attempt as a crash. This middleware
requeues those messages at once and records the attempt as handed back, not crashed.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

import psycopg
from dramatiq import Broker
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware

from core.queueing.job_state import HANDED_BACK_SQL
from core.queueing.outbox import LEDGER_OPTION
from core.settings import Settings

log = logging.getLogger(__name__)
HANDED_BACK = "handed back to its queue: the worker shut down before it finished"


class Handback(Middleware):
    """Track running messages; requeue those still running once the worker has stopped.

    Parameters:
      settings: the database to record hand-backs in; ``None`` makes the middleware inert.
    """

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings
        # Keyed per delivery (the proxy), not per message id: a retry keeps its id and may
        # start on another thread before this attempt's after-hooks have run.
        self._running: dict[int, MessageProxy] = {}
        self._lock = threading.Lock()

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        if self.settings is not None:
            with self._lock:
                self._running[id(message)] = message

    def after_process_message(self, broker: Broker, message: MessageProxy, **_: Any) -> None:
        with self._lock:
            self._running.pop(id(message), None)

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        with self._lock:
            self._running.pop(id(message), None)

    def running(self) -> list[MessageProxy]:
        """The messages this process is running now."""
        with self._lock:
            return list(self._running.values())

    def after_worker_shutdown(self, broker: Broker, worker: Any) -> None:
        # Runs before the ledger's own hook closes its writer (after_* hooks run in reverse).
        left = self.running()
        if self.settings is None or not left:
            return
        # RabbitMQ requeues a closing consumer's unacked messages itself; Redis needs asking.
        by_queue: dict[str, list[str]] = defaultdict(list)
        for message in left:
            if "redis_message_id" in message.options:
                by_queue[message.queue_name].append(message.options["redis_message_id"])
        for queue, rids in by_queue.items():
            # The same broker id fetched them, so the script moves them from our ack set.
            broker.do_requeue(queue, *rids)  # type: ignore[attr-defined]
        log.warning(
            "shutdown grace over: %d running messages handed back to their queues", len(left)
        )
        ids = [m.message_id for m in left if m.options.get(LEDGER_OPTION)]
        if not ids:
            return
        try:
            with psycopg.connect(
                self.settings.database.psycopg_dsn,
                connect_timeout=self.settings.database.connect_timeout_s,
                autocommit=True,
            ) as conn:
                conn.execute(HANDED_BACK_SQL, (HANDED_BACK, ids))
        except psycopg.Error:
            # The messages are back in their queues; their next start counts this attempt as
            # a crash instead, which is all that is lost.
            log.warning("could not record %d hand-backs in the ledger", len(ids), exc_info=True)
