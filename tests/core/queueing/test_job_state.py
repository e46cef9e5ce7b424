"""Every job state transition, against PostgreSQL: the worker's SQL through the ledger's
writer (as the ledger runs it), the others as plain functions on a session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

import tests.support.actors  # noqa: F401
from core.queueing import job_state
from core.queueing.ledger_store import LedgerStore
from core.settings import Settings
from models import ACTIVE_STATUSES, FINISHED_STATUSES, JOB_STATUSES, Job, JobStatus
from models.db import session_scope
from tests.support.actors import effect


@pytest.fixture
def store(settings: Settings, engine: Engine) -> Iterator[LedgerStore]:
    s = LedgerStore(settings.database.psycopg_dsn)
    yield s
    s.close()


def _add(
    sessions: sessionmaker[Session],
    status: JobStatus,
    *,
    finished_days_ago: float | None = None,
    attempts: int = 0,
) -> uuid.UUID:
    job_id = uuid.uuid4()
    finished = (
        None if finished_days_ago is None else datetime.now(UTC) - timedelta(days=finished_days_ago)
    )
    with session_scope(sessions) as s:
        s.add(
            Job(
                id=job_id,
                type="t",
                actor="test.effect",
                queue="default",
                params={},
                message={"message_id": str(job_id)},
                status=status,
                attempts=attempts,
                dispatched_at=datetime.now(UTC),
                finished_at=finished,
            )
        )
    return job_id


def _get(sessions: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def test_statuses_are_the_documented_ones() -> None:
    assert [str(s) for s in JOB_STATUSES] == [
        "queued",
        "running",
        "succeeded",
        "failed",
        "dead",
        "canceled",
    ]
    assert set(ACTIVE_STATUSES) | set(FINISHED_STATUSES) == set(JobStatus)
    assert not set(ACTIVE_STATUSES) & set(FINISHED_STATUSES)


def test_stage_creates_a_queued_undispatched_job(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as s:
        job = job_state.stage(s, effect, job_type="t", org_id=None, args=("k",))
        assert job is not None
        job_id = job.id
    job = _get(sessions, job_id)
    assert (job.status, job.dispatched_at, job.attempts) == (JobStatus.QUEUED, None, 0)


def test_start_marks_running_and_counts_the_attempt(
    store: LedgerStore, sessions: sessionmaker[Session]
) -> None:
    job_id = _add(sessions, JobStatus.QUEUED)
    assert store.start(str(job_id)) == 0  # no crash yet
    job = _get(sessions, job_id)
    assert (job.status, job.attempts, job.completed_attempts) == (JobStatus.RUNNING, 1, 0)
    assert job.started_at is not None
    # Started again without an outcome in between: the first attempt crashed.
    assert store.start(str(job_id)) == 1
    assert _get(sessions, job_id).attempts == 2


@pytest.mark.parametrize("status", FINISHED_STATUSES)
def test_a_finished_job_does_not_start(
    store: LedgerStore, sessions: sessionmaker[Session], status: JobStatus
) -> None:
    job_id = _add(sessions, status, finished_days_ago=0)
    assert store.start(str(job_id)) is None
    job = _get(sessions, job_id)
    assert (job.status, job.attempts) == (status, 0)


def test_progress_moves_only_a_running_job(
    store: LedgerStore, sessions: sessionmaker[Session]
) -> None:
    running = _add(sessions, JobStatus.RUNNING)
    queued = _add(sessions, JobStatus.QUEUED)
    for job_id in (running, queued):
        store.execute(job_state.PROGRESS_SQL, (40, str(job_id)))
    assert _get(sessions, running).progress == 40
    assert _get(sessions, queued).progress == 0


def test_succeed_records_the_result(store: LedgerStore, sessions: sessionmaker[Session]) -> None:
    job_id = _add(sessions, JobStatus.QUEUED)
    store.start(str(job_id))
    store.succeeded(str(job_id), '{"rows": 3}')
    store.close()  # writes the successes still waiting
    job = _get(sessions, job_id)
    assert (job.status, job.result, job.progress, job.error) == (
        JobStatus.SUCCEEDED,
        {"rows": 3},
        100,
        None,
    )
    assert job.completed_attempts == 1 and job.finished_at is not None


def test_failure_status_depends_on_whether_retries_gave_up() -> None:
    assert job_state.failure_status(gave_up=True) is JobStatus.FAILED
    assert job_state.failure_status(gave_up=False) is JobStatus.QUEUED


@pytest.mark.parametrize(("gave_up", "finished"), [(True, True), (False, False)])
def test_fail_ends_the_job_or_queues_it_for_a_retry(
    store: LedgerStore, sessions: sessionmaker[Session], gave_up: bool, finished: bool
) -> None:
    job_id = _add(sessions, JobStatus.RUNNING, attempts=1)
    status = job_state.failure_status(gave_up=gave_up)
    store.execute(job_state.FAIL_SQL, (status, "RuntimeError: boom", status, str(job_id), "tb"))
    job = _get(sessions, job_id)
    assert (job.status, job.error, job.completed_attempts) == (status, "RuntimeError: boom", 1)
    assert (job.finished_at is not None) is finished


def test_fail_leaves_a_job_that_is_not_running(
    store: LedgerStore, sessions: sessionmaker[Session]
) -> None:
    job_id = _add(sessions, JobStatus.CANCELED, finished_days_ago=0)
    store.execute(job_state.FAIL_SQL, ("failed", "late", "failed", str(job_id), "tb"))
    job = _get(sessions, job_id)
    assert (job.status, job.error, job.completed_attempts) == (JobStatus.CANCELED, None, 0)


def test_dead_stops_the_job(store: LedgerStore, sessions: sessionmaker[Session]) -> None:
    job_id = _add(sessions, JobStatus.RUNNING, attempts=3)
    store.execute(job_state.DEAD_SQL, ("crashed 3 times", str(job_id)))
    job = _get(sessions, job_id)
    assert (job.status, job.error) == (JobStatus.DEAD, "crashed 3 times")
    assert job.finished_at is not None


def test_cancel_cancels_a_queued_job(sessions: sessionmaker[Session]) -> None:
    job_id = _add(sessions, JobStatus.QUEUED)
    with session_scope(sessions) as s:
        assert job_state.cancel(s, job_id, starts=None) is True
    job = _get(sessions, job_id)
    assert job.status == JobStatus.CANCELED and job.finished_at is not None


@pytest.mark.parametrize("status", [s for s in JobStatus if s != JobStatus.QUEUED])
def test_cancel_leaves_any_other_job(sessions: sessionmaker[Session], status: JobStatus) -> None:
    job_id = _add(sessions, status)
    with session_scope(sessions) as s:
        assert job_state.cancel(s, job_id, starts=None) is False
    job = _get(sessions, job_id)
    assert job.status == status and job.finished_at is None


def test_cancel_of_an_unknown_job_is_false(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as s:
        assert job_state.cancel(s, uuid.uuid4(), starts=None) is False


def test_requeue_restores_the_retry_budget(sessions: sessionmaker[Session]) -> None:
    job_id = _add(sessions, JobStatus.DEAD, finished_days_ago=0, attempts=4)
    message: dict[str, Any] = {"message_id": str(job_id), "queue_name": "bulk"}
    with session_scope(sessions) as s:
        assert job_state.requeue(s, job_id, message) is True
        assert job_state.requeue(s, uuid.uuid4(), message) is False
    job = _get(sessions, job_id)
    assert (job.status, job.message, job.dispatched_at, job.finished_at) == (
        JobStatus.QUEUED,
        message,
        None,
        None,
    )
    assert job.completed_attempts == job.attempts == 4


def test_clean_up_deletes_only_succeeded_and_canceled_jobs_past_the_cutoff(
    sessions: sessionmaker[Session],
) -> None:
    kept = {
        _add(sessions, status, finished_days_ago=30)
        for status in (JobStatus.FAILED, JobStatus.DEAD)
    }
    kept |= {_add(sessions, status) for status in ACTIVE_STATUSES}
    kept |= {
        _add(sessions, status, finished_days_ago=1)
        for status in (JobStatus.SUCCEEDED, JobStatus.CANCELED)
    }
    for status in (JobStatus.SUCCEEDED, JobStatus.CANCELED):
        _add(sessions, status, finished_days_ago=30)
    cutoff = datetime.now(UTC) - timedelta(days=14)
    with session_scope(sessions) as s:
        assert job_state.clean_up(s, finished_before=cutoff) == 2
    with session_scope(sessions) as s:
        assert job_state.clean_up(s, finished_before=cutoff) == 0
        assert set(s.scalars(select(Job.id))) == kept
