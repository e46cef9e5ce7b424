"""The attempts timeline the ledger writes beside each job: worker, times, outcome, traceback."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import dramatiq
import psycopg
import pytest
from dramatiq import Broker, Message, Worker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, Retries
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.queueing import job_state
from core.queueing.ledger import Ledger, traceback_text
from core.queueing.ledger_store import LedgerStore
from core.queueing.outbox import stage_job
from core.settings import Settings
from models.db import session_scope
from tests.support.stack import wait_for


@pytest.fixture
def conn(settings: Settings, engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as c:
        yield c


@pytest.fixture
def store(settings: Settings, engine: Engine) -> Iterator[LedgerStore]:
    s = LedgerStore(settings.database.psycopg_dsn, worker_id="worker-a")
    yield s
    s.close()


def _job(conn: psycopg.Connection[Any]) -> str:
    job_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO jobs (id, type, actor, queue, params, message, status, attempts,"
        " completed_attempts, progress, dispatched_at)"
        " VALUES (%s, 't', 't', 'default', '{}', '{}', 'queued', 0, 0, 0, now())",
        (job_id,),
    )
    return job_id


def _attempts(conn: psycopg.Connection[Any], job_id: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT attempt, worker, outcome, finished_at IS NOT NULL, traceback"
            " FROM job_attempts WHERE job_id = %s ORDER BY attempt",
            (job_id,),
        )
    ]


def test_a_start_opens_an_attempt_and_a_success_closes_it(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    job = _job(conn)
    assert store.start(job) == 0
    assert _attempts(conn, job) == [(1, "worker-a", None, False, None)]
    store.succeeded(job, None)
    wait_for(lambda: _attempts(conn, job)[0][2] is not None, timeout=5, interval=0.005)
    assert _attempts(conn, job) == [(1, "worker-a", "succeeded", True, None)]


def test_a_failure_keeps_the_full_traceback_and_a_retry_opens_the_next_attempt(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    job = _job(conn)
    store.start(job)
    store.execute(job_state.FAIL_SQL, ("queued", "ValueError: x", "queued", job, "Traceback…"))
    store.start(job)
    store.worker_id = "worker-b"
    store.execute(job_state.FAIL_SQL, ("failed", "ValueError: y", "failed", job, "Traceback 2"))
    assert _attempts(conn, job) == [
        (1, "worker-a", "failed", True, "Traceback…"),
        (2, "worker-a", "failed", True, "Traceback 2"),
    ]
    row = conn.execute("SELECT status, error FROM jobs WHERE id = %s", (job,)).fetchone()
    assert row == ("failed", "ValueError: y")  # the job's owner sees one line


def test_an_attempt_that_never_ended_is_closed_as_a_crash_by_the_next(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    job = _job(conn)
    store.start(job)
    store.worker_id = "worker-b"
    assert store.start(job) == 1  # the first attempt's worker died
    store.execute(job_state.DEAD_SQL, ("stopped after 1 crash", job))
    assert _attempts(conn, job) == [
        (1, "worker-a", "crashed", True, None),
        (2, "worker-b", "dead", True, "stopped after 1 crash"),
    ]


def test_a_result_postgresql_refuses_fails_its_attempt(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    job = _job(conn)
    store.start(job)
    store.succeeded(job, '{"text": "a\\u0000b"}')
    store.close()
    ((attempt, _, outcome, finished, tb),) = _attempts(conn, job)
    assert (attempt, outcome, finished) == (1, "failed", True)
    assert "result could not be stored" in tb


def _raise_chained() -> None:
    try:
        {}["missing"]  # type: ignore[index]  # a KeyError on purpose
    except KeyError as exc:
        raise RuntimeError("wrapped") from exc


def test_traceback_text_keeps_frames_and_causes_and_bounds_the_size() -> None:
    try:
        _raise_chained()
    except RuntimeError as exc:
        full = traceback_text(exc, 100_000)
        short = traceback_text(exc, 200)
    assert "KeyError: 'missing'" in full and "_raise_chained" in full
    assert full.endswith("RuntimeError: wrapped")
    assert len(short) == 200 and short.endswith("RuntimeError: wrapped")
    assert short.startswith("[… ")


class _SlowBootEnd(Middleware):
    """Stands for middleware with work to do when the boot ends (the heartbeat's Redis
    registration): Dramatiq's threads are already taking messages meanwhile."""

    def after_worker_boot(self, broker: Broker, worker: Any) -> None:
        time.sleep(0.5)


def test_a_message_taken_while_the_boot_ends_is_recorded_under_its_worker(
    settings: Settings, sessions: sessionmaker[Session], conn: psycopg.Connection[Any]
) -> None:
    broker = StubBroker(middleware=[])
    broker.broker_id = "worker-early"  # type: ignore[attr-defined]
    broker.add_middleware(Ledger(settings))  # first, as in build_middleware: so its
    broker.add_middleware(_SlowBootEnd())  # after_worker_boot runs last (reversed order)

    def noop_fn() -> None:
        return None

    noop = dramatiq.actor(noop_fn, actor_name="attempts_noop", broker=broker)  # type: ignore[call-overload]
    job_id = _stage_and_work(broker, noop, sessions, conn, until=lambda: True)
    assert _attempts(conn, job_id) == [(1, "worker-early", "succeeded", True, None)]


class _RetrySnapshot(Middleware):
    """Reads, the moment a retry is in the broker, what the ledger recorded of its job."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.seen: list[tuple[Any, ...]] = []

    def after_enqueue(self, broker: Broker, message: Message[Any], delay: int | None) -> None:
        if delay is None:  # not Retries' send (the delay queue moving it on, say)
            return
        with psycopg.connect(self.dsn, autocommit=True) as c:
            row = c.execute(
                "SELECT status, completed_attempts, (SELECT array_agg(outcome ORDER BY attempt)"
                " FROM job_attempts WHERE job_id = jobs.id) FROM jobs WHERE id = %s",
                (message.message_id,),
            ).fetchone()
        assert row is not None
        self.seen.append(tuple(row))


def _fail_once_then_succeed(
    broker: StubBroker,
    sessions: sessionmaker[Session],
    conn: psycopg.Connection[Any],
    *,
    backoff_ms: int,
) -> str:
    """Stage a job whose first run raises, run it and its retry; return the job's id."""
    runs: list[int] = []

    def fails_once_fn() -> None:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            raise RuntimeError("the first run fails")

    fails_once = dramatiq.actor(  # type: ignore[call-overload]
        fails_once_fn,
        actor_name=f"attempts_fails_once_{backoff_ms}",
        broker=broker,
        max_retries=1,
        min_backoff=backoff_ms,
        max_backoff=backoff_ms,
    )
    return _stage_and_work(broker, fails_once, sessions, conn, until=lambda: len(runs) == 2)


def _stage_and_work(
    broker: StubBroker,
    actor: Any,
    sessions: sessionmaker[Session],
    conn: psycopg.Connection[Any],
    *,
    until: Callable[[], bool],
) -> str:
    """Stage ``actor``'s job, run a worker until ``until()`` and the last attempt ends."""
    with session_scope(sessions) as s:
        job = stage_job(s, actor, job_type="test.attempts", org_id=None)
        assert job is not None
        job_id, message = str(job.id), job.message
    broker.enqueue(Message(**message))
    worker = Worker(broker, worker_threads=1, worker_timeout=20)
    worker.start()
    try:
        wait_for(until, timeout=10, interval=0.01)
        broker.join("default", fail_fast=True)
        worker.join()
        wait_for(lambda: _attempts(conn, job_id)[-1][2] is not None, timeout=5, interval=0.01)
    finally:
        worker.stop()
    return job_id


def test_a_retry_reaches_the_broker_only_after_its_failure_is_recorded(
    settings: Settings, sessions: sessionmaker[Session], conn: psycopg.Connection[Any]
) -> None:
    # Retries sends the retry before the ledger's after-hook runs: with a short backoff the
    # retry could start on the attempt still open, count it as a crash, and the failure,
    # written late, would then end the retry's attempt.
    broker = StubBroker(middleware=[])
    broker.broker_id = "worker-r"  # type: ignore[attr-defined]
    broker.add_middleware(Ledger(settings))  # first, as in build_middleware: Retries'
    broker.add_middleware(Retries())  # after-hook runs before the ledger's
    snapshot = _RetrySnapshot(settings.database.psycopg_dsn)
    broker.add_middleware(snapshot)
    job_id = _fail_once_then_succeed(broker, sessions, conn, backoff_ms=1)
    assert snapshot.seen == [("queued", 1, ["failed"])]
    assert [a[2] for a in _attempts(conn, job_id)] == ["failed", "succeeded"]
    assert "RuntimeError: the first run fails" in _attempts(conn, job_id)[0][4]


def test_a_failure_the_early_write_could_not_record_is_written_after_and_the_retry_still_sent(
    settings: Settings,
    sessions: sessionmaker[Session],
    conn: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker = StubBroker(middleware=[])
    broker.broker_id = "worker-r2"  # type: ignore[attr-defined]
    ledger = Ledger(settings)
    broker.add_middleware(ledger)
    broker.add_middleware(Retries())
    assert ledger.store is not None
    execute = ledger.store.execute
    refused: list[str] = []

    def refuse_the_first_failure(sql: str, params: tuple[Any, ...]) -> Any:
        if sql == job_state.FAIL_SQL and not refused:
            refused.append(params[0])
            raise psycopg.OperationalError("injected: the connection dropped")
        return execute(sql, params)

    monkeypatch.setattr(ledger.store, "execute", refuse_the_first_failure)
    # A backoff long enough for the late write to land before the retry starts.
    job_id = _fail_once_then_succeed(broker, sessions, conn, backoff_ms=200)
    assert refused == ["queued"]  # the early write, refused; the late one recorded it
    assert [a[2] for a in _attempts(conn, job_id)] == ["failed", "succeeded"]
