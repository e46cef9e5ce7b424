"""Ledger writes with group commit: one writer thread per process, one statement per batch.

PostgreSQL's cost is per statement, not per row (about 0.15 ms of server CPU per
statement, 0.02 ms per row; see docs/decisions/0002-ledger-writes.md), so a writer thread
takes whatever writes are waiting and sends them as few statements as it can:

- **starts** are awaited: the caller blocks until its attempt is counted (the crash count
  must be in PostgreSQL before the actor runs). A lone start is not delayed.
- **successes** are not awaited (:meth:`LedgerStore.succeeded`): they wait, at most
  ``linger_s``, for the next start and go in the same statement, so a busy worker sends
  one statement per batch of starts and outcomes together.
- anything else (failures, dead jobs, progress, Redis ids) is one awaited statement.

Within a batch, awaited statements run first, then successes, then starts; a start of a
job whose success is in the same batch is answered "finished" (the copy is skipped).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from typing import Any

import psycopg

log = logging.getLogger(__name__)

# ``(…) IS TRUE`` (status is NOT NULL, so the same rows): a bare ``status IN ('queued',
# 'running')`` implies the predicate of the partial index ix_jobs_active_schedule, and with
# statistics that say few jobs are active (the usual state: finished jobs are kept 14
# days) the planner then scans that whole index for every statement instead of using the
# primary key: 0.7 ms a statement with 6,000 active jobs, and linear in the backlog.
# tests/core/test_ledger_store.py checks the plans.

START_MANY = """
UPDATE jobs SET status = 'running', attempts = attempts + 1,
       started_at = coalesce(started_at, now()), updated_at = now()
WHERE id = ANY(%s::uuid[]) AND (status IN ('queued', 'running')) IS TRUE
RETURNING id::text, attempts - completed_attempts - 1
"""
SUCCEEDED_MANY = """
UPDATE jobs SET status = 'succeeded', result = v.result::jsonb, progress = 100, error = NULL,
       completed_attempts = completed_attempts + 1, finished_at = now(), updated_at = now()
FROM unnest(%s::uuid[], %s::text[]) AS v(id, result)
WHERE jobs.id = v.id
"""
# Successes and starts in one statement (one parse, one commit). Both updates see the same
# snapshot, so a start of a job succeeding in this statement is excluded: it is finished.
SUCCEEDED_AND_START_MANY = """
WITH done AS (
  UPDATE jobs SET status = 'succeeded', result = v.result::jsonb, progress = 100,
         error = NULL, completed_attempts = completed_attempts + 1, finished_at = now(),
         updated_at = now()
  FROM unnest(%(done)s::uuid[], %(results)s::text[]) AS v(id, result)
  WHERE jobs.id = v.id
)
UPDATE jobs SET status = 'running', attempts = attempts + 1,
       started_at = coalesce(started_at, now()), updated_at = now()
WHERE id = ANY(%(start)s::uuid[]) AND id <> ALL(%(done)s::uuid[])
  AND (status IN ('queued', 'running')) IS TRUE
RETURNING id::text, attempts - completed_attempts - 1
"""

_START, _SUCCEEDED, _SQL, _STOP = range(4)
_MISSING = object()
_ST = [0, 0, 0]


class _Waiter:
    """A caller blocked on one write: a held lock the writer releases when it is done."""

    __slots__ = ("error", "lock", "value")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()
        self.value: Any = None
        self.error: BaseException | None = None

    def wait(self, timeout: float) -> Any:
        if not self.lock.acquire(timeout=timeout):
            raise TimeoutError(f"ledger write not done after {timeout:.0f}s")
        if self.error is not None:
            raise self.error
        return self.value

    def resolve(self, value: Any) -> None:
        self.value = value
        self.lock.release()

    def reject(self, error: BaseException) -> None:
        self.error = error
        self.lock.release()


class LedgerStore:
    """Per-process group-commit writer of ledger rows.

    Parameters:
      dsn: libpq connection string of PostgreSQL.
      max_batch: most writes of one kind sent in one statement.
      linger_s: longest a success waits for a start to share its statement.
    """

    def __init__(self, dsn: str, *, max_batch: int = 256, linger_s: float = 0.002) -> None:
        self.dsn = dsn
        self.max_batch = max_batch
        self.linger_s = linger_s
        self._queue: queue.SimpleQueue[tuple[int, Any, Any]] = queue.SimpleQueue()
        self._pid = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _ensure_writer(self) -> None:
        with self._lock:
            if self._pid != os.getpid():
                # After fork: a fresh queue and writer; nothing of the parent's is usable.
                self._queue = queue.SimpleQueue()
                self._thread = threading.Thread(
                    target=self._run, args=(self._queue,), name="ledger-writer", daemon=True
                )
                self._thread.start()
                self._pid = os.getpid()

    def _await(self, kind: int, data: Any) -> Any:
        if self._pid != os.getpid():
            self._ensure_writer()
        waiter = _Waiter()
        self._queue.put((kind, data, waiter))
        return waiter.wait(30)

    def start(self, job_id: str) -> int | None:
        """Mark the job running and count the attempt; return its crash count, or None
        if the job is finished, canceled or unknown."""
        result: int | None = self._await(_START, job_id)
        return result

    def succeeded(self, job_id: str, result_json: str | None) -> None:
        """Record a success with its JSON result, soon (within ``linger_s`` when idle);
        does not wait. :meth:`close` writes the ones still waiting."""
        if self._pid != os.getpid():
            self._ensure_writer()
        self._queue.put((_SUCCEEDED, job_id, result_json))

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
        sqls: list[tuple[Any, _Waiter]] = []
        starts: list[tuple[str, _Waiter]] = []
        done_ids: list[str] = []
        done_results: list[str | None] = []
        deadline = 0.0  # when waiting successes go, alone if need be
        failures = 0
        stop = False
        while True:
            try:
                item = q.get(timeout=max(0.0, deadline - time.monotonic())) if done_ids else q.get()
            except queue.Empty:
                item = None
            while item is not None:
                kind, data, extra = item
                if kind == _START:
                    starts.append((data, extra))
                elif kind == _SUCCEEDED:
                    if not done_ids and not failures:
                        deadline = time.monotonic() + self.linger_s
                    done_ids.append(data)
                    done_results.append(extra)
                elif kind == _SQL:
                    sqls.append((data, extra))
                else:
                    stop = True
                if len(starts) >= self.max_batch or len(done_ids) >= self.max_batch:
                    break
                try:
                    item = q.get_nowait()
                except queue.Empty:
                    item = None
            due = (
                sqls
                or starts
                or stop
                or len(done_ids) >= self.max_batch
                or (done_ids and time.monotonic() >= deadline)
            )
            if not due:
                continue
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(
                        self.dsn,
                        autocommit=True,
                        options="-c synchronous_commit=off",
                        connect_timeout=5,
                    )
                _ST[0] += 1
                _ST[1] += len(starts)
                _ST[2] += len(done_ids)
                self._write(conn, sqls, starts, done_ids, done_results)
                failures = 0
            except Exception as exc:  # waiting callers get the error; successes are kept
                failures += 1
                log.warning("ledger write failed (%d outcomes kept): %s", len(done_ids), exc)
                if conn is not None:
                    conn.close()
                conn = None
                for _, waiter in (*sqls, *starts):
                    waiter.reject(exc)
                sqls.clear()
                starts.clear()
                deadline = time.monotonic() + min(0.1 * 2**failures, 5.0)
            if stop and (not done_ids or failures >= 3):
                break
        if conn is not None:
            conn.close()
        import sys

        print("LEDGERSTATS flushes=%d starts=%d done=%d" % tuple(_ST), file=sys.stderr, flush=True)
        if done_ids:
            log.error("ledger writer stopped with %d outcomes unwritten", len(done_ids))

    @staticmethod
    def _write(
        conn: psycopg.Connection[Any],
        sqls: list[tuple[Any, _Waiter]],
        starts: list[tuple[str, _Waiter]],
        done_ids: list[str],
        done_results: list[str | None],
    ) -> None:
        """Send one batch; answer its waiters and empty the lists (those written)."""
        with conn.cursor() as cur:
            while sqls:
                (sql, params), waiter = sqls[0]
                cur.execute(sql, params)
                row = cur.fetchone() if cur.description else None
                del sqls[0]
                waiter.resolve(row)
            if starts:
                ids = [job_id for job_id, _ in starts]
                if done_ids:
                    args = {"done": done_ids, "results": done_results, "start": ids}
                    cur.execute(SUCCEEDED_AND_START_MANY, args)
                else:
                    cur.execute(START_MANY, (ids,))
                done_ids.clear()
                done_results.clear()
                crashes = dict(cur.fetchall())
                for job_id, waiter in starts:
                    value = crashes.get(job_id, _MISSING)
                    if value is _MISSING:  # not the canonical spelling, or not started
                        value = crashes.get(_canonical(job_id))
                    waiter.resolve(value)
                starts.clear()
            elif done_ids:
                cur.execute(SUCCEEDED_MANY, (done_ids, done_results))
                done_ids.clear()
                done_results.clear()


def _canonical(job_id: str) -> str:
    try:
        return str(uuid.UUID(job_id))
    except ValueError:
        return job_id
