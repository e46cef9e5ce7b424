"""Writes ``running`` for the jobs that are still running a few milliseconds after they started.

A short job gets one ledger write, when it ends (docs/decisions/0028-one-write-ledger.md).
A job still running ``after_s`` after it started is marked ``running`` (the ledger's start
write: attempt counted and opened) by this thread, so ``GET`` shows it running and its
attempt is in PostgreSQL before it can crash in the middle of long work. Its end is then
written as today's success or failure of a started attempt.

A worker thread ending its job calls :meth:`RunningMarker.finish`: if the start was not
sent yet it never will be (the job gets the one write); if it is being sent, the call
waits for it, so a job's writes are never out of order.
"""

from __future__ import annotations

import collections
import logging
import threading
import time

from core.queueing.ledger_store import LedgerStore
from core.queueing.supervisor import run_supervised

log = logging.getLogger(__name__)

_PENDING, _STARTING, _RECORDED, _UNRECORDED, _DONE = range(5)


class Run:
    """One attempt that started without a start write.

    Parameters:
      job_id: the job.
      due: when (``time.monotonic``) it is to be marked running if still running.
    """

    __slots__ = ("due", "job_id", "state")

    def __init__(self, job_id: str, due: float) -> None:
        self.job_id = job_id
        self.due = due
        self.state = _PENDING


class RunningMarker:
    """One thread per worker process that writes the starts of attempts still running.

    Parameters:
      store: the ledger's writer (starts are its awaited, batched start writes).
      after_s: how long an attempt runs before it is marked running.
    """

    def __init__(self, store: LedgerStore, after_s: float) -> None:
        self.store = store
        self.after_s = after_s
        self._cond = threading.Condition()
        self._order: collections.deque[Run] = collections.deque()
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        """Start the thread (in the worker process, after fork)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=run_supervised,
                args=("running-marker", self._run),
                kwargs={"first_backoff_s": 0.05, "max_backoff_s": 2.0},
                name="running-marker",
                daemon=True,
            )
            self._thread.start()

    def add(self, job_id: str) -> Run:
        """Track an attempt that starts now."""
        run = Run(job_id, time.monotonic() + self.after_s)
        with self._cond:
            self._order.append(run)
            if len(self._order) == 1:
                self._cond.notify()
        return run

    def finish(self, run: Run) -> bool:
        """End tracking ``run``; return whether its start was written (``running``)."""
        with self._cond:
            while run.state == _STARTING:
                self._cond.wait()
            recorded = run.state == _RECORDED
            run.state = _DONE
            return recorded

    def record_now(self, run: Run) -> bool:
        """Write the start of ``run`` now, unless done already (progress needs ``running``)."""
        with self._cond:
            while run.state == _STARTING:
                self._cond.wait()
            if run.state != _PENDING:
                return run.state == _RECORDED
            run.state = _STARTING
        self._write([run])
        return run.state == _RECORDED

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._order:
                    self._cond.wait()
                while self._order and self._order[0].state != _PENDING:
                    self._order.popleft()
                if not self._order:
                    continue
                wait = self._order[0].due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                now = time.monotonic()
                due: list[Run] = []
                while self._order and self._order[0].due <= now:
                    run = self._order.popleft()
                    if run.state == _PENDING:
                        run.state = _STARTING
                        due.append(run)
            if due:
                self._write(due)

    def _write(self, runs: list[Run]) -> None:
        try:
            results = self.store.start_many([run.job_id for run in runs])
        except Exception as exc:  # the end of the job is then its one write
            log.warning("could not mark %d running jobs running: %s", len(runs), exc)
            results = [None] * len(runs)
        with self._cond:
            for run, crashes in zip(runs, results, strict=True):
                # None: the job was no longer queued or running (a copy finished it first);
                # its end is then written as one write, which leaves it alone.
                run.state = _UNRECORDED if crashes is None else _RECORDED
            self._cond.notify_all()
