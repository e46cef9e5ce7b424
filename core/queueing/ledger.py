"""The job ledger middleware: records each job's fate in PostgreSQL.

Writes are grouped with other threads' writes by
:class:`core.queueing.ledger_store.LedgerStore`. On the Redis broker a message's first start
writes nothing to PostgreSQL before the actor runs: the broker Redis counts the start
(:mod:`core.queueing.starts`, one round trip). A job that ends within
``LEDGER_RUNNING_AFTER_MS`` then gets one write, its outcome with the attempt counted; a
longer one is marked ``running`` by :class:`core.queueing.running.RunningMarker` and then
ends as below (docs/decisions/0028-one-write-ledger.md).

A message started before (its worker died: Dramatiq redelivers it forever, #213), one whose
job has a cancel marker, and every message on other brokers, take the awaited start
write: it counts the attempt, so a message that kills its worker is stopped after
``max_attempts`` crashes, and a message whose job already finished or was canceled is
skipped, so a redelivered message (#692) does not run a finished job twice. A success is
written without waiting (within milliseconds, with the next starts); a failure is awaited.
See docs/decisions/0002-ledger-writes.md.
"""

from __future__ import annotations

import logging
import threading
import traceback
from datetime import UTC, datetime
from typing import Any

import orjson
import redis
from dramatiq import Broker, Message
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware, SkipMessage

from core.queueing.fairness import DEFERRED_OPTION
from core.queueing.job_state import (
    DEAD_SQL,
    FAIL_RAN_SQL,
    FAIL_SQL,
    PROGRESS_SQL,
    failure_status,
)
from core.queueing.ledger_store import LedgerStore
from core.queueing.outbox import LEDGER_OPTION
from core.queueing.running import Run, RunningMarker
from core.queueing.starts import StartBook
from core.settings import Settings

log = logging.getLogger(__name__)

#: Set on a message proxy whose start this worker counted in the broker Redis, so a hand-back
#: (core.queueing.handback) takes that one start back.
CLAIMED_ATTR = "saleshub_start_claimed"

_REQUEUED = "UPDATE jobs SET redis_id = %s, redis_queue = %s, updated_at = now() WHERE id = %s"


def _error_text(exception: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exception), exception)).strip()
    return text[:2000]


def traceback_text(exception: BaseException, max_chars: int) -> str:
    """The full traceback of ``exception`` (chained causes included), at most ``max_chars``:
    its tail, where the raising frame and the error are, when it is longer."""
    text = "".join(traceback.format_exception(exception)).strip()
    if len(text) <= max_chars:
        return text
    marker = f"[… {len(text) - max_chars} characters cut …]\n"
    return marker + text[len(text) - max_chars + len(marker) :]


def _is_ledgered(message: Message[Any] | MessageProxy) -> bool:
    return bool(message.options.get(LEDGER_OPTION))


class Ledger(Middleware):
    """Record status, attempts, error and result of every staged job.

    Parameters:
      settings: database, ``max_attempts`` and ``running_after_ms``; ``None`` makes the
        middleware inert.
    """

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings
        self.store = LedgerStore(settings.database.psycopg_dsn) if settings else None
        self._local = threading.local()
        # Set at worker boot when the broker counts starts (ours on Redis) and the
        # one-write path is on (running_after_ms > 0).
        self.starts: StartBook | None = None
        self.marker: RunningMarker | None = None

    def _write(self, sql: str, params: tuple[Any, ...]) -> Any:
        assert self.store is not None
        return self.store.execute(sql, params)

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        store = self.store
        if store is None or not _is_ledgered(message):
            return
        message_id = message.message_id
        local = self._local
        local.skipped = None
        local.run = None
        started_before = 0
        if self.starts is not None and self.marker is not None:
            try:
                starts = self.starts.claim(message.options["redis_message_id"], message_id)
            except redis.RedisError as exc:  # PostgreSQL alone counts this start
                log.warning("start of %s not counted in Redis (%s): awaited start", message_id, exc)
                starts = 0
            else:
                setattr(message, CLAIMED_ATTR, True)
            if starts == 1:
                # Its first start and no cancel marker: nothing can be finished or crashed
                # yet, so nothing is written before the job runs.
                local.run = self.marker.add(message_id)
                local.started_at = datetime.now(UTC)
                return
            # Started before without an outcome (or its job was canceled): the awaited path.
            started_before = max(abs(starts) - 1, 0)
        crashes = store.start(message_id)
        if crashes is None:
            log.info("skipping message %s: its job is finished or unknown", message_id)
            local.skipped = message_id
            raise SkipMessage()
        assert self.settings is not None
        # A first start that crashed before it was marked running left no attempt in
        # PostgreSQL; the broker's count of this message's starts has it.
        crashes = max(crashes, started_before)
        if crashes >= self.settings.worker.max_attempts:
            error = f"stopped after {crashes} attempts that ended without an outcome (crashes)"
            self._write(DEAD_SQL, (error, message_id))
            log.error("job %s is dead: %s", message_id, error)
            local.skipped = message_id
            message.fail()
            raise SkipMessage()

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        if self.store is None or not _is_ledgered(message):
            return
        if getattr(self._local, "skipped", None) == message.message_id:
            return
        self._end_run()
        if message.options.get(DEFERRED_OPTION):
            return  # over its org's cap, sent again with a delay: it stays queued
        # Skipped by another middleware after we marked it running: AgeLimit's max_age.
        self._write(DEAD_SQL, ("expired before it could run (max_age)", message.message_id))

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        store = self.store
        if store is None or not _is_ledgered(message):
            return
        started_at: datetime = getattr(self._local, "started_at", None) or datetime.now(UTC)
        ran = self._end_run()  # True: it ran without a start write
        if exception is None:
            # Not awaited: written with the next starts (see core.queueing.ledger_store).
            payload = None if result is None else orjson.dumps(result).decode()
            if ran:
                store.ran(message.message_id, payload, started_at.isoformat())
            else:
                store.succeeded(message.message_id, payload)
            return
        # Retries runs before us on the way out: a message it gave up on is marked failed.
        status = failure_status(gave_up=getattr(message, "failed", False))
        assert self.settings is not None
        full = traceback_text(exception, self.settings.worker.traceback_max_chars)
        error = _error_text(exception)
        if ran:
            worker = store.worker_id or ""
            params = (status, error, status, started_at, message.message_id, worker, started_at)
            self._write(FAIL_RAN_SQL, (*params, full))
        else:
            self._write(FAIL_SQL, (status, error, status, message.message_id, full))

    def _end_run(self) -> bool:
        """Stop tracking this thread's attempt; True if it ran without a start write."""
        local = self._local
        run: Run | None = getattr(local, "run", None)
        if run is None:
            return False
        local.run = None
        assert self.marker is not None
        return not self.marker.finish(run)

    def after_enqueue(self, broker: Broker, message: Message[Any], delay: int | None) -> None:
        # Retries and delay queues re-enqueue under a new Redis id; keep it for the relay's
        # lost-message check.
        if self.store is None or not _is_ledgered(message):
            return
        redis_id = message.options.get("redis_message_id")
        if redis_id:
            self._write(_REQUEUED, (redis_id, message.queue_name, message.message_id))

    def before_worker_boot(self, broker: Broker, worker: Any) -> None:
        # Before the worker threads start: a message waiting in the queue is taken at once,
        # and every start must be counted the same way from the first.
        if self.store is not None:
            assert self.settings is not None
            after_ms = self.settings.worker.ledger_running_after_ms
            starts = getattr(broker, "start_book", None)
            if after_ms > 0 and isinstance(starts, StartBook):
                self.starts = starts
                self.marker = RunningMarker(self.store, after_ms / 1000)
                self.marker.open()

    def after_worker_boot(self, broker: Broker, worker: Any) -> None:
        # Start the writer and connect now, not when the first job starts. Attempts are
        # recorded under the broker's id, which the heartbeat registers as this worker's.
        if self.store is not None:
            self.store.worker_id = getattr(broker, "broker_id", None)
            self.store.open()

    def after_worker_shutdown(self, broker: Broker, worker: Any) -> None:
        if self.store is not None:
            self.store.close()

    def set_progress(self, message: Message[Any] | MessageProxy, percent: int) -> None:
        """Record the progress (0..100) of the job ``message`` runs."""
        if self.store is not None and _is_ledgered(message):
            run: Run | None = getattr(self._local, "run", None)
            if run is not None and self.marker is not None:
                self.marker.record_now(run)  # progress is kept for a running job only
            self._write(PROGRESS_SQL, (max(0, min(100, int(percent))), message.message_id))
