"""Ledger writes with group commit: one writer thread per process, one statement per batch.

PostgreSQL's cost is mostly per statement and per commit (measured figures in
docs/decisions/0002-ledger-writes.md), so a writer thread takes whatever writes are waiting
and sends them as few statements as it can:

- **starts** are awaited: the caller blocks until its attempt is counted (the crash count
  must be in PostgreSQL before the actor runs). A lone start is not delayed: when the
  writer idles (nothing queued, no success waiting), the caller sends its start itself on
  the writer's connection, under the connection's lock, which saves the hand-off to the
  writer thread and back (docs/decisions/0045); a busy writer or a connection that is not
  ready sends the start through the writer as before.
- **successes** are not awaited (:meth:`LedgerStore.succeeded`): they wait, at most
  ``linger_s``, for the next starts and go in the same statement, so a busy worker sends
  one statement (one commit) per batch of starts and successes. A success still waiting
  when the process dies is lost: the row stays ``running`` and the relay re-sends the job
  after ``RESEND_AFTER_S`` (see the decision record).
- anything else (failures, dead jobs, progress, Redis ids) is one awaited statement, run
  before the batch's successes and starts.

A start of a job whose success is in the same batch is answered "finished" (the copy is
skipped). The hot statement is prepared once per connection and run through libpq
directly, which releases the GIL for the whole round trip.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from typing import Any

import psycopg
from psycopg.pq import ExecStatus

from core.queueing.job_state import UNSTORABLE_RESULT_SQL
from core.queueing.ledger_conn import (
    FLUSH_NAME,
    REPLAN_S,
    Waiter,
    canonical,
    connect,
    raise_if_disconnected,
    replan,
    text_array,
    usable,
)
from core.queueing.supervisor import run_supervised

log = logging.getLogger(__name__)

_START, _SQL, _STOP, _WAKE_KIND = range(4)
_WAKE = (_WAKE_KIND, None, None)
_MISSING = object()


class LedgerStore:
    """Per-process group-commit writer of ledger rows.

    Parameters:
      dsn: libpq connection string of PostgreSQL.
      max_batch: most starts sent in one statement.
      linger_s: longest a success waits for a start to share its statement.
      worker_id: the id the attempts it opens are recorded under (the broker's id,
        which the worker's heartbeat registers); set by the ledger when its worker boots.
      replan_s: longest the flush's plan is kept before the writer prepares it again
        (:data:`~core.queueing.ledger_conn.REPLAN_S`).
    """

    def __init__(
        self,
        dsn: str,
        *,
        max_batch: int = 256,
        linger_s: float = 0.002,
        worker_id: str | None = None,
        replan_s: float = REPLAN_S,
    ) -> None:
        self.dsn = dsn
        self.worker_id = worker_id
        self.max_batch = max_batch
        self.linger_s = linger_s
        self.replan_s = replan_s
        self._planned_at = 0.0  # when the writer's connection last prepared the flush
        self._lock = threading.Lock()
        self._pid = 0
        self._thread: threading.Thread | None = None
        self._queue: queue.SimpleQueue[tuple[int, Any, Any]] = queue.SimpleQueue()
        # Successes bypass the queue: appending wakes nobody unless the writer sleeps with
        # nothing to do (a wake per success cost a GIL hand-off per job).
        self._done_lock = threading.Lock()
        self._done_ids: list[str] = []
        self._done_results: list[str | None] = []
        self._done_since = 0.0
        self._writer_idle = False
        # The writer's connection, shared with callers that send a start themselves while
        # the writer idles; whoever holds the lock owns it (psycopg's pgconn calls are not
        # safe from two threads at once).
        self._conn: psycopg.Connection[Any] | None = None
        self._conn_lock = threading.Lock()

    def open(self) -> None:
        """Start this process's writer (and its connection) now rather than on first use."""
        if self._pid != os.getpid():
            self._ensure_writer()

    def _ensure_writer(self) -> None:
        with self._lock:
            if self._pid != os.getpid():
                # After fork: a fresh queue and writer; nothing of the parent's is usable,
                # and the parent writes its own pending successes.
                self._queue = queue.SimpleQueue()
                self._done_lock = threading.Lock()
                self._done_ids, self._done_results = [], []
                self._writer_idle = False
                self._conn, self._conn_lock = None, threading.Lock()  # the parent's socket
                q = self._queue
                self._thread = threading.Thread(
                    target=run_supervised,
                    args=("ledger-writer", lambda: self._run(q)),
                    kwargs={"first_backoff_s": 0.05, "max_backoff_s": 5.0},
                    name="ledger-writer",
                    daemon=True,
                )
                self._thread.start()
                self._pid = os.getpid()

    def _await(self, kind: int, data: Any) -> Any:
        if self._pid != os.getpid():
            self._ensure_writer()
        waiter = Waiter()
        self._queue.put((kind, data, waiter))
        return waiter.wait(30)

    def start(self, job_id: str) -> int | None:
        """Mark the job running and count the attempt; return its crash count, or None
        if the job is finished, canceled or unknown."""
        if self._pid != os.getpid():
            self._ensure_writer()
        direct = self._start_here(job_id)
        if direct is not _MISSING:
            return direct
        result: int | None = self._await(_START, job_id)
        return result

    def _start_here(self, job_id: str) -> Any:
        """Send a start from the calling thread while the writer idles; ``_MISSING`` when
        the writer is busy or its connection is not ready (the writer then sends it,
        connecting first). An idle writer has no success waiting and none kept after a
        failure, so no success of this job can be in flight beside the start."""
        if not self._writer_idle or not self._conn_lock.acquire(blocking=False):
            return _MISSING
        try:
            conn = self._conn
            with self._done_lock:
                if not self._writer_idle or self._done_ids:
                    return _MISSING
            if not usable(conn):
                return _MISSING
            # From here on, as through the writer: an error reaches the caller (the start
            # may have been counted, so it is not sent again), and the writer finds the
            # connection broken and reconnects before its next batch.
            waiter = Waiter()
            self._write(conn, [], [(job_id, waiter)], [], [], worker=self._worker_bytes())
            return waiter.wait(0)  # answered (or rejected: a refused row raises)
        finally:
            self._conn_lock.release()

    def _worker_bytes(self) -> bytes:
        return (self.worker_id or "").encode()

    def succeeded(self, job_id: str, result_json: str | None) -> None:
        """Record a success with its JSON result, soon (within ``linger_s`` when idle);
        does not wait. :meth:`close` writes the ones still waiting."""
        if self._pid != os.getpid():
            self._ensure_writer()
        with self._done_lock:
            if not self._done_ids:
                self._done_since = time.monotonic()
            self._done_ids.append(job_id)
            self._done_results.append(result_json)
            wake, self._writer_idle = self._writer_idle, False
        if wake:
            self._queue.put(_WAKE)

    def execute(self, sql: str, params: tuple[Any, ...]) -> Any:
        """Run one statement in the writer; return its first row, if any."""
        return self._await(_SQL, (sql, params))

    def close(self, timeout: float = 10.0) -> None:
        """Write what is waiting, then stop this process's writer."""
        with self._lock:
            if self._pid != os.getpid() or self._thread is None:
                return
            thread, self._thread, self._pid = self._thread, None, 0
        self._queue.put((_STOP, None, None))
        thread.join(timeout)
        if thread.is_alive():
            log.warning("ledger writer still busy after %.0fs; not waiting", timeout)

    # ------------------------------------------------------------------ writer thread
    def _run(self, q: queue.SimpleQueue[tuple[int, Any, Any]]) -> None:
        conn: psycopg.Connection[Any] | None = None
        sqls: list[tuple[Any, Waiter]] = []
        starts: list[tuple[str, Waiter]] = []
        done_ids: list[str] = []  # taken from the shared lists, or kept after a failure
        done_results: list[str | None] = []
        retry_at = 0.0
        failures = 0
        stop = False
        try:
            conn = self._conn = self._connect()
        except Exception as exc:  # the first batch reports it to its callers and retries
            log.warning("ledger writer cannot connect yet: %s", exc)
        while True:
            with self._done_lock:
                if done_ids:  # kept after a failure: retry after the backoff
                    timeout: float | None = retry_at - time.monotonic()
                elif self._done_ids:
                    timeout = self._done_since + self.linger_s - time.monotonic()
                else:
                    timeout = None
                    self._writer_idle = True
            try:
                item: tuple[int, Any, Any] | None = (
                    q.get() if timeout is None else q.get(timeout=max(0.0, timeout))
                )
            except queue.Empty:
                item = None
            if item is not None:
                self._writer_idle = False  # callers stop sending their own starts
                # Let the other threads that are ready run first: their starts join this
                # batch (fewer, larger statements; measured in 0002-ledger-writes.md).
                time.sleep(0)
            while item is not None:
                kind, data, extra = item
                if kind == _START:
                    starts.append((data, extra))
                elif kind == _SQL:
                    sqls.append((data, extra))
                elif kind == _STOP:
                    stop = True
                if len(starts) >= self.max_batch:
                    break
                try:
                    item = q.get_nowait()
                except queue.Empty:
                    item = None
            with self._done_lock:
                due = bool(sqls or starts or stop)
                if self._done_ids and (due or time.monotonic() >= self._done_since + self.linger_s):
                    due = True
                    done_ids += self._done_ids
                    done_results += self._done_results
                    self._done_ids, self._done_results = [], []
            if done_ids and not due and time.monotonic() >= retry_at:
                due = True
            if not due:
                continue
            self._conn_lock.acquire()  # a caller may be sending its own start on it
            try:
                if not usable(conn):
                    if conn is not None:
                        conn.close()
                    conn = self._conn = self._connect()
                elif (
                    len(starts) + len(done_ids) > 1
                    and time.monotonic() - self._planned_at >= self.replan_s
                ):
                    # Only under load, when a table can have grown under an old plan: a
                    # quiet job's start is not planned afresh (0.3 ms) for nothing.
                    replan(conn)
                    self._planned_at = time.monotonic()
                self._write(conn, sqls, starts, done_ids, done_results, worker=self._worker_bytes())
                failures = 0
            except Exception as exc:  # waiting callers get the error; successes are kept
                failures += 1
                log.warning("ledger write failed (%d outcomes kept): %s", len(done_ids), exc)
                if conn is not None:
                    conn.close()
                conn = self._conn = None
                for _, waiter in (*sqls, *starts):
                    waiter.reject(exc)
                sqls.clear()
                starts.clear()
                retry_at = time.monotonic() + min(0.1 * 2**failures, 5.0)
            finally:
                self._conn_lock.release()
            if stop and (not done_ids or failures >= 3):
                break
        with self._conn_lock:
            self._conn = None
            if conn is not None:
                conn.close()
        if done_ids:
            log.error("ledger writer stopped with %d outcomes unwritten", len(done_ids))

    def _connect(self) -> psycopg.Connection[Any]:
        conn = connect(self.dsn)
        self._planned_at = time.monotonic()
        return conn

    @staticmethod
    def _write(
        conn: psycopg.Connection[Any],
        sqls: list[tuple[Any, Waiter]],
        starts: list[tuple[str, Waiter]],
        done_ids: list[str],
        done_results: list[str | None],
        *,
        worker: bytes = b"",
    ) -> None:
        """Send one batch; answer its waiters and empty the lists (those written)."""
        if sqls:
            with conn.cursor() as cur:
                while sqls:
                    (sql, params), waiter = sqls[0]
                    cur.execute(sql, params)
                    row = cur.fetchone() if cur.description else None
                    del sqls[0]
                    waiter.resolve(row)
        if not (starts or done_ids):
            return
        # Straight to libpq: psycopg's cursor spends ~80 µs of GIL-holding Python a
        # statement converting the query and dumping lists; exec_prepared releases the GIL
        # for the whole round trip.
        pgconn = conn.pgconn
        params = [
            text_array(done_ids),
            text_array(done_results),
            text_array([job_id for job_id, _ in starts]),
            worker,
        ]
        res = pgconn.exec_prepared(FLUSH_NAME, params)
        if res.status != ExecStatus.TUPLES_OK:
            raise_if_disconnected(conn)
            # PostgreSQL refused the statement, not the connection: one row is poison.
            LedgerStore._write_one_by_one(conn, starts, done_ids, done_results, worker)
            return
        done_ids.clear()
        done_results.clear()
        if not starts:
            return
        get = res.get_value
        crashes = {
            get(i, 0).decode(): int(get(i, 1))  # type: ignore[union-attr, arg-type]
            for i in range(res.ntuples)
        }
        for job_id, waiter in starts:
            value = crashes.get(job_id, _MISSING)
            if value is _MISSING:  # not the canonical spelling, or not started
                value = crashes.get(canonical(job_id))
            waiter.resolve(value)
        starts.clear()

    @staticmethod
    def _write_one_by_one(
        conn: psycopg.Connection[Any],
        starts: list[tuple[str, Waiter]],
        done_ids: list[str],
        done_results: list[str | None],
        worker: bytes,
    ) -> None:
        """After a batch PostgreSQL refused: write each row alone, so one poison row (a
        result it cannot store) fails its own job instead of every batch behind it."""
        pgconn = conn.pgconn
        while done_ids:
            job_id, result = done_ids[0], done_results[0]
            alone = [text_array([job_id]), text_array([result]), b"{}", b""]
            res = pgconn.exec_prepared(FLUSH_NAME, alone)
            if res.status != ExecStatus.TUPLES_OK:
                raise_if_disconnected(conn)
                error = psycopg.errors.error_from_result(res, encoding=conn.info.encoding)
                log.error("ledger: job %s succeeded but its result was refused: %s", job_id, error)
                message = f"the job's result could not be stored: {type(error).__name__}: {error}"
                conn.execute(UNSTORABLE_RESULT_SQL, (message[:2000], job_id))
            del done_ids[0], done_results[0]
        while starts:
            job_id, waiter = starts[0]
            one = [b"{}", b"{}", text_array([job_id]), worker]
            res = pgconn.exec_prepared(FLUSH_NAME, one)
            if res.status != ExecStatus.TUPLES_OK:
                raise_if_disconnected(conn)
                waiter.reject(psycopg.errors.error_from_result(res, encoding=conn.info.encoding))
            else:
                waiter.resolve(int(res.get_value(0, 1)) if res.ntuples else None)  # type: ignore[arg-type]
            del starts[0]
