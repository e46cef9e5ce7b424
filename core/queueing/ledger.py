"""The job ledger middleware: records each job's fate in PostgreSQL.

Two writes per attempt, grouped with other threads' writes by
:class:`core.queueing.ledger_store.LedgerStore`: one when the attempt starts, awaited (it also
counts attempts, so a message that kills its worker is stopped after ``max_attempts``
crashes, which Dramatiq alone never does, #213), one when it ends. A success is written
without waiting (within milliseconds, with the next starts); a failure is awaited. A
failure that Dramatiq's ``Retries`` will run again is written before the retry reaches the
broker (:meth:`Ledger.before_enqueue`), so the retry never starts on an attempt still open.
A message whose job already finished or was canceled is skipped, so a redelivered message
(#692) does not run a finished job twice. See docs/decisions/0002-ledger-writes.md.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from typing import Any

import orjson
from dramatiq import Broker, Message
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware, SkipMessage

from core.queueing.fairness import DEFERRED_OPTION
from core.queueing.job_state import DEAD_SQL, FAIL_SQL, PROGRESS_SQL, failure_status
from core.queueing.ledger_store import LedgerStore
from core.queueing.outbox import LEDGER_OPTION
from core.settings import Settings

log = logging.getLogger(__name__)

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
      settings: database and ``max_attempts``; ``None`` makes the middleware inert.
    """

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings
        self.store = LedgerStore(settings.database.psycopg_dsn) if settings else None
        self._local = threading.local()

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
        local.running = local.failure_written = None
        crashes = store.start(message_id)
        if crashes is None:
            log.info("skipping message %s: its job is finished or unknown", message_id)
            local.skipped = message_id
            raise SkipMessage()
        local.running = message_id  # its attempt is open (before_enqueue)
        assert self.settings is not None
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
        self._local.running = None
        if getattr(self._local, "skipped", None) == message.message_id:
            return
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
        if exception is None:
            # Not awaited: written with the next starts (see core.queueing.ledger_store).
            payload = None if result is None else orjson.dumps(result).decode()
            store.succeeded(message.message_id, payload)
            return
        local = self._local
        local.running = None
        if getattr(local, "failure_written", None) == message.message_id:
            local.failure_written = None
            return  # written when Retries sent the retry (before_enqueue)
        # Retries runs before us on the way out: a message it gave up on is marked failed.
        self._write_failure(message, exception, gave_up=getattr(message, "failed", False))

    def _write_failure(
        self, message: Message[Any] | MessageProxy, exception: BaseException, *, gave_up: bool
    ) -> None:
        status = failure_status(gave_up=gave_up)
        assert self.settings is not None
        full = traceback_text(exception, self.settings.worker.traceback_max_chars)
        self._write(FAIL_SQL, (status, _error_text(exception), status, message.message_id, full))

    def before_enqueue(self, broker: Broker, message: Message[Any], delay: int | None) -> None:
        """Write the failure of the attempt that raised before its retry reaches the broker.

        Dramatiq's ``Retries`` sends the retry from its ``after_process_message``, which runs
        before ours, while the worker handles the exception (as ``Retries`` itself reads it,
        ``sys.exc_info``). Written only in our own hook, the failure could land after a
        retry with a short backoff had started: that start would close the attempt still
        open as a crash, and the late failure would then end the retry's attempt (seen as a
        flaky end-to-end test). A write that fails here is left to ``after_process_message``,
        as before, so the retry is still sent.
        """
        local = self._local
        exception = sys.exc_info()[1]
        if (
            self.store is None
            or exception is None
            or getattr(local, "running", None) != message.message_id
            or not _is_ledgered(message)
        ):
            return
        try:
            self._write_failure(message, exception, gave_up=False)
        except Exception:
            # Swallowed on purpose: raising here would stop Retries from sending the retry.
            # after_process_message then writes the failure, as it did before this hook.
            log.exception("job %s: recording the failure before its retry", message.message_id)
            return
        local.failure_written = message.message_id

    def after_enqueue(self, broker: Broker, message: Message[Any], delay: int | None) -> None:
        # Retries and delay queues re-enqueue under a new Redis id; keep it for the relay's
        # lost-message check.
        if self.store is None or not _is_ledgered(message):
            return
        redis_id = message.options.get("redis_message_id")
        if redis_id:
            self._write(_REQUEUED, (redis_id, message.queue_name, message.message_id))

    def before_worker_boot(self, broker: Broker, worker: Any) -> None:
        # Start the writer and connect now, not when the first job starts. Attempts are
        # recorded under the broker's id, which the heartbeat registers as this worker's.
        # Before the boot, not after it: Dramatiq starts its consumer and worker threads
        # before it emits after_worker_boot, so a queued message can start first (its
        # attempt was recorded with no worker; CI caught it).
        if self.store is not None:
            self.store.worker_id = getattr(broker, "broker_id", None)
            self.store.open()

    def after_worker_shutdown(self, broker: Broker, worker: Any) -> None:
        if self.store is not None:
            self.store.close()

    def set_progress(self, message: Message[Any] | MessageProxy, percent: int) -> None:
        """Record the progress (0..100) of the job ``message`` runs."""
        if self.store is not None and _is_ledgered(message):
            self._write(PROGRESS_SQL, (max(0, min(100, int(percent))), message.message_id))
