"""One ledger write for a short job (docs/decisions/0028): real PostgreSQL, Redis, relay, and
a Dramatiq worker in this process, whose ledger's writes are counted on their way to
PostgreSQL. Real crashes (SIGKILL) are in test_end_to_end.py: the poison pill there is
killed within milliseconds of its first start, before any ledger write."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from dramatiq import Actor, Worker
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.queueing import job_state
from core.queueing.consumer import WakingRedisBroker
from core.queueing.ledger import Ledger
from core.queueing.outbox import stage
from core.settings import Settings
from models import Job
from models.db import session_scope
from models.job import JobAttempt
from tests.support.actors import effect, sleeper
from tests.support.stack import RelayThread, wait_for


class Writes:
    """Counts the ledger's writes per job, each passed on to the real store."""

    def __init__(self, ledger: Ledger) -> None:
        store = ledger.store
        assert store is not None
        self.by_job: Counter[tuple[str, str]] = Counter()
        for name in ("start", "start_many", "succeeded", "ran", "execute"):
            setattr(store, name, self._spy(name, getattr(store, name)))

    def _spy(self, name: str, real: Any) -> Any:
        def call(*args: Any) -> Any:
            if name == "start_many":
                ids = list(args[0])
            elif name == "execute":
                ids = [str(p) for p in args[1] if isinstance(p, str | uuid.UUID)]
            else:
                ids = [str(args[0])]
            for job_id in ids:
                self.by_job[(job_id, name)] += 1
            return real(*args)

        return call

    def of(self, job_id: uuid.UUID) -> dict[str, int]:
        return {name: n for (j, name), n in self.by_job.items() if j == str(job_id)}


@pytest.fixture
def ledger(broker: RedisBroker) -> Ledger:
    assert isinstance(broker, WakingRedisBroker)
    return next(m for m in broker.middleware if isinstance(m, Ledger))


def _running_after(ledger: Ledger, settings: Settings, ms: int) -> None:
    """Mark jobs running after ``ms`` in the worker about to start (a loaded test box can
    take more than the default's few milliseconds for a first Redis connection)."""
    worker = settings.worker.model_copy(update={"ledger_running_after_ms": ms})
    ledger.settings = settings.model_copy(update={"worker": worker})


@pytest.fixture
def writes(ledger: Ledger) -> Writes:
    return Writes(ledger)


@pytest.fixture
def cache(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.cache.url)


def _stage(sessions: sessionmaker[Session], actor: Actor[Any, Any], *args: object) -> uuid.UUID:
    with session_scope(sessions) as s:
        job_id = stage(s, actor, job_type=actor.actor_name, org_id=None, args=args)
    assert job_id is not None
    return job_id


def _job(sessions: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _attempts(sessions: sessionmaker[Session], job_id: uuid.UUID) -> list[JobAttempt]:
    with sessions() as s:
        return list(
            s.scalars(
                select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(JobAttempt.attempt)
            )
        )


def _dispatched(settings: Settings, broker: RedisBroker, sessions: sessionmaker[Session]) -> None:
    """Run the relay until every staged job has its Redis message."""
    with RelayThread(settings, broker):
        wait_for(lambda: _undispatched(sessions) == 0, timeout=20)


def _undispatched(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return len(list(s.scalars(select(Job.id).where(Job.redis_id.is_(None)))))


@pytest.fixture
def worker(broker: RedisBroker) -> Iterator[Any]:
    workers: list[Worker] = []

    def start() -> Worker:
        w = Worker(broker, worker_threads=2, worker_timeout=100)
        w.start()
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop()


def test_a_short_job_gets_one_ledger_write(
    broker: RedisBroker,
    ledger: Ledger,
    sessions: sessionmaker[Session],
    settings: Settings,
    writes: Writes,
    worker: Any,
    cache: redis.Redis,
) -> None:
    job_id = _stage(sessions, effect, "short")
    _dispatched(settings, broker, sessions)
    _running_after(ledger, settings, 500)
    worker()
    wait_for(lambda: _job(sessions, job_id).status == "succeeded", timeout=20)
    job = _job(sessions, job_id)
    assert writes.of(job_id) == {"ran": 1}  # no start, no running: the outcome alone
    assert cache.get("short:effect") == b"1"
    assert (job.attempts, job.completed_attempts, job.progress) == (1, 1, 100)
    assert job.started_at is not None and job.finished_at is not None
    assert job.started_at <= job.finished_at
    [attempt] = _attempts(sessions, job_id)
    assert (attempt.attempt, attempt.outcome) == (1, "succeeded")
    assert attempt.worker == broker.broker_id
    assert attempt.finished_at is not None and attempt.started_at <= attempt.finished_at
    # Acked: the start count went with the message.
    wait_for(lambda: not broker.client.hlen(f"{broker.namespace}:__starts__"), timeout=10)


def test_a_long_job_shows_running_then_succeeded(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    settings: Settings,
    writes: Writes,
    worker: Any,
) -> None:
    job_id = _stage(sessions, sleeper, "long", 1.0)
    _dispatched(settings, broker, sessions)
    worker()
    wait_for(lambda: _job(sessions, job_id).status == "running", timeout=20)
    running = _job(sessions, job_id)
    assert running.attempts == 1 and running.started_at is not None
    [attempt] = _attempts(sessions, job_id)
    assert attempt.outcome is None and attempt.finished_at is None
    wait_for(lambda: _job(sessions, job_id).status == "succeeded", timeout=20)
    assert writes.of(job_id) == {"start_many": 1, "succeeded": 1}
    job = _job(sessions, job_id)
    assert (job.attempts, job.completed_attempts) == (1, 1)
    [attempt] = _attempts(sessions, job_id)
    assert attempt.outcome == "succeeded"


def _crashed_starts(
    broker: RedisBroker, sessions: sessionmaker[Session], job_id: uuid.UUID, n: int
) -> None:
    """Record ``n`` starts of the job's message, as workers killed before any write left them."""
    rid = _job(sessions, job_id).redis_id
    assert rid is not None
    book = broker.start_book
    for _ in range(n):
        book.claim(rid, str(job_id))


def test_a_start_after_a_crash_is_counted_and_awaited(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    settings: Settings,
    writes: Writes,
    worker: Any,
    cache: redis.Redis,
) -> None:
    job_id = _stage(sessions, effect, "again")
    _dispatched(settings, broker, sessions)
    _crashed_starts(broker, sessions, job_id, 1)
    worker()
    wait_for(lambda: _job(sessions, job_id).status == "succeeded", timeout=20)
    assert writes.of(job_id) == {"start": 1, "succeeded": 1}  # the awaited path
    assert cache.get("again:effect") == b"1"


def test_a_message_started_max_attempts_times_is_dead_without_running(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    settings: Settings,
    worker: Any,
    cache: redis.Redis,
) -> None:
    job_id = _stage(sessions, effect, "poison")
    _dispatched(settings, broker, sessions)
    _crashed_starts(broker, sessions, job_id, settings.worker.max_attempts)
    worker()
    wait_for(lambda: _job(sessions, job_id).status == "dead", timeout=20)
    job = _job(sessions, job_id)
    assert f"{settings.worker.max_attempts} attempts" in (job.error or "")
    assert cache.get("poison:effect") is None
    wait_for(lambda: broker.client.zcard(f"{broker.namespace}:default.XQ") == 1, timeout=10)


def test_a_poison_pill_requeued_by_a_stopping_worker_keeps_its_crashes(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    settings: Settings,
    worker: Any,
    cache: redis.Redis,
) -> None:
    """Its crashes, then a worker that prefetched it stops and requeues it (Dramatiq's
    ``Worker.stop`` calls the consumer's ``requeue``): the count stays, so the next start
    is stopped, not a fresh first start run on the fast path."""
    job_id = _stage(sessions, effect, "requeued")
    _dispatched(settings, broker, sessions)
    _crashed_starts(broker, sessions, job_id, settings.worker.max_attempts)
    consumer = broker.consume("default", prefetch=1, timeout=100)
    fetched = None
    deadline = time.monotonic() + 10
    while fetched is None and time.monotonic() < deadline:
        fetched = next(consumer)
    assert (
        fetched is not None
        and fetched.options["redis_message_id"] == _job(sessions, job_id).redis_id
    )
    consumer.requeue([fetched])
    consumer.close()
    worker()
    wait_for(lambda: _job(sessions, job_id).status == "dead", timeout=20)
    assert cache.get("requeued:effect") is None


def test_a_finished_job_redelivered_after_a_crash_is_skipped(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    settings: Settings,
    worker: Any,
    cache: redis.Redis,
) -> None:
    job_id = _stage(sessions, effect, "done")
    _dispatched(settings, broker, sessions)
    with session_scope(sessions) as s:  # its success was written, then the worker died
        job = s.get(Job, job_id)
        assert job is not None
        job.status, job.attempts, job.completed_attempts = "succeeded", 1, 1
    _crashed_starts(broker, sessions, job_id, 1)
    worker()
    wait_for(lambda: broker.client.llen(f"{broker.namespace}:default") == 0, timeout=20)
    wait_for(lambda: not broker.client.hlen(f"{broker.namespace}:default.msgs"), timeout=10)
    assert cache.get("done:effect") is None
    assert _job(sessions, job_id).attempts == 1


def test_a_canceled_job_never_runs_and_a_started_one_cannot_be_canceled(
    broker: RedisBroker,
    sessions: sessionmaker[Session],
    settings: Settings,
    worker: Any,
    cache: redis.Redis,
) -> None:
    canceled = _stage(sessions, effect, "canceled")
    started = _stage(sessions, effect, "started")
    _dispatched(settings, broker, sessions)
    book = broker.start_book
    _crashed_starts(broker, sessions, started, 1)  # a worker has it
    with session_scope(sessions) as s:
        assert job_state.cancel(s, canceled, starts=book) is True
        assert job_state.cancel(s, started, starts=book) is False
    worker()
    wait_for(lambda: _job(sessions, started).status == "succeeded", timeout=20)
    wait_for(lambda: not broker.client.hlen(f"{broker.namespace}:default.msgs"), timeout=10)
    assert _job(sessions, canceled).status == "canceled"
    assert cache.get("canceled:effect") is None
