"""Timestamps along a job's path, for ``bench/jobs.py --only quiet --probe`` only.

Loaded into the worker processes (``dramatiq worker.entry:setup … bench.support.quiet_probe``)
and the relay process (``bench/support/relay_proc.py`` when ``BENCH_PROBE_DIR`` is set). The
dramatiq CLI only imports modules, so importing this one wraps, in this process only:

- ``RedisPublisher.publish`` (relay): ``pub0`` before the pipeline is sent, ``pub1`` after;
  ``Relay.drain_once``: ``rc``, when the relay's transaction committed (the job's row lock,
  which the ledger's start waits for, is released);
- ``WakingConsumer._read`` and ``__next__`` (worker): ``heard``, when the wake-up that
  preceded the fetch was read, ``next``, when Dramatiq's consumer thread asked for the
  message, ``f0``/``f1`` around the fetch's round trip (``do_fetch``), and ``fetched``, when
  the consumer hands the message over;
- ``_WorkerThread.process_message``: ``deq``, when a worker thread took the message;
- ``LedgerStore.start``: ``lq``, when the start was handed to the ledger's writer;
- ``LedgerStore._write``: ``wx``, when the writer sends the batch holding the start;
- ``Ledger.before_process_message``: ``go``, when it returned (the actor runs next).

Each is ``time.time()`` (the clock of PostgreSQL's ``now()`` and of the bench), kept in
memory and appended every 0.2 s to ``$BENCH_PROBE_DIR/<pid>.jsonl`` by a daemon thread.
Nothing of the product imports this module.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

_events: list[tuple[str, str, float]] = []
_lock = threading.Lock()


def _note(event: str, job_id: str, at: float | None = None) -> None:
    with _lock:
        _events.append((event, job_id, time.time() if at is None else at))


def _flusher(directory: Path) -> None:
    while True:
        time.sleep(0.2)
        with _lock:
            batch, _events[:] = list(_events), []
        if batch:
            with (directory / f"{os.getpid()}.jsonl").open("a") as f:
                f.writelines(json.dumps(e) + "\n" for e in batch)


def _install_relay() -> None:
    from core.queueing.brokers.redis import RedisPublisher
    from core.queueing.relay import Relay

    publish, drain_once = RedisPublisher.publish, Relay.drain_once
    published = threading.local()

    def probed(self: Any, messages: list[Any]) -> Any:
        t0 = time.time()
        sent = publish(self, messages)
        t1 = time.time()
        for m in messages:
            _note("pub0", m.message_id, t0)
            _note("pub1", m.message_id, t1)
        published.ids = [m.message_id for m in messages]
        return sent

    def probed_drain_once(self: Any, conn: Any) -> int:
        published.ids = []
        taken = drain_once(self, conn)
        now = time.time()
        for job_id in published.ids:
            _note("rc", job_id, now)
        return taken

    RedisPublisher.publish = probed  # type: ignore[method-assign]
    Relay.drain_once = probed_drain_once  # type: ignore[method-assign]


def _install_worker() -> None:
    from dramatiq.worker import _WorkerThread

    from core.queueing.consumer import WakingConsumer, WakingRedisBroker
    from core.queueing.ledger import Ledger
    from core.queueing.ledger_store import LedgerStore

    read, next_, process = (
        WakingConsumer._read,
        WakingConsumer.__next__,
        _WorkerThread.process_message,
    )
    start, write, before = LedgerStore.start, LedgerStore._write, Ledger.before_process_message

    def probed_read(self: Any, pubsub: Any, seconds: float) -> bool:
        heard = read(self, pubsub, seconds)
        if heard:
            self._probe_heard = time.time()
        return heard

    def probed_next(self: Any) -> Any:
        entered = time.time()
        message = next_(self)
        if message is None:
            return message
        now = time.time()
        _note("heard", message.message_id, getattr(self, "_probe_heard", now))
        _note("next", message.message_id, entered)
        _note("f0", message.message_id, getattr(fetching, "f0", now))
        _note("f1", message.message_id, getattr(fetching, "f1", now))
        _note("fetched", message.message_id, now)
        return message

    fetching = threading.local()

    def probed_fetch(self: Any, *args: Any) -> Any:  # Dramatiq's do_fetch is a __getattr__
        fetching.f0 = time.time()
        try:
            return self._dispatch("fetch")(*args)
        finally:
            fetching.f1 = time.time()

    def probed_process(self: Any, message: Any) -> None:
        _note("deq", message.message_id)
        process(self, message)

    def probed_start(self: Any, job_id: str) -> Any:
        _note("lq", job_id)
        return start(self, job_id)

    def probed_write(conn: Any, sqls: Any, starts: Any, *args: Any, **kwargs: Any) -> None:
        now = time.time()
        for job_id, _ in starts:
            _note("wx", job_id, now)
        write(conn, sqls, starts, *args, **kwargs)

    def probed_before(self: Any, broker: Any, message: Any) -> None:
        before(self, broker, message)
        _note("go", message.message_id)

    WakingConsumer._read = probed_read  # type: ignore[method-assign]
    WakingConsumer.__next__ = probed_next  # type: ignore[method-assign]
    WakingRedisBroker.do_fetch = probed_fetch  # type: ignore[method-assign]
    _WorkerThread.process_message = probed_process  # type: ignore[method-assign]
    LedgerStore.start = probed_start  # type: ignore[method-assign]
    LedgerStore._write = staticmethod(probed_write)  # type: ignore[method-assign,assignment]
    Ledger.before_process_message = probed_before  # type: ignore[method-assign]


def install(role: str) -> None:
    """Wrap this process's ``role`` (``worker`` or ``relay``) code and start the flusher."""
    directory = Path(os.environ["BENCH_PROBE_DIR"])
    _install_relay() if role == "relay" else _install_worker()
    threading.Thread(target=_flusher, args=(directory,), name="probe", daemon=True).start()


def read_all(directory: Path) -> dict[str, dict[str, float]]:
    """Every job's events (the first of each kind) from the files of ``directory``."""
    out: dict[str, dict[str, float]] = {}
    for path in directory.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            event, job_id, at = json.loads(line)
            out.setdefault(job_id, {}).setdefault(event, at)
    return out


if os.environ.get("BENCH_PROBE_DIR") and os.environ.get("BENCH_PROBE_ROLE") != "relay":
    install("worker")
