"""Unique jobs and debounce: one queued run per key, a trailing run after a start, no early run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

import tests.support.actors  # noqa: F401
from core.queueing.outbox import stage_unique
from core.queueing.relay_sql import CLAIM as _CLAIM
from core.settings import Settings
from models import Job, JobStatus
from models.db import session_scope
from tests.support.actors import effect
from tests.support.factories import Tenant


def _stage(sessions: sessionmaker[Session], org_id: int, key: str = "k", debounce_s: float = 0.0):
    with session_scope(sessions) as s:
        job, deduplicated = stage_unique(
            s, effect, job_type="test.effect", org_id=org_id, args=("k",), unique_key=key,
            debounce_s=debounce_s,
        )  # fmt: skip
        return job.id, deduplicated


def _start(sessions: sessionmaker[Session], job_id: object) -> None:
    """What the worker's ledger does when the job starts."""
    with session_scope(sessions) as s:
        s.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.RUNNING, attempts=1))


def test_a_repeat_while_queued_answers_with_the_queued_job(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    first, dedup1 = _stage(sessions, tenant.org_id)
    second, dedup2 = _stage(sessions, tenant.org_id)
    other, dedup3 = _stage(sessions, other_tenant.org_id, key="k-other")
    assert (dedup1, dedup2, dedup3) == (False, True, False)
    assert second == first and other != first
    with session_scope(sessions) as s:
        assert s.scalar(select(text("count(*)")).select_from(Job)) == 2


def test_a_write_after_the_start_gets_one_more_run(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    first, _ = _stage(sessions, tenant.org_id)
    _start(sessions, first)
    trailing, dedup = _stage(sessions, tenant.org_id)
    assert not dedup and trailing != first
    again, dedup = _stage(sessions, tenant.org_id)
    assert dedup and again == trailing
    # A retry puts the first back to queued (attempts 1): it does not block the key.
    with session_scope(sessions) as s:
        s.execute(update(Job).where(Job.id == first).values(status=JobStatus.QUEUED))
    assert _stage(sessions, tenant.org_id) == (trailing, True)


def test_a_folded_write_holds_the_job_until_it_commits(
    sessions: sessionmaker[Session], settings: Settings, tenant: Tenant
) -> None:
    """The worker's start of the queued job waits for the repeat's transaction: the job
    cannot run before the write folded into it is visible."""
    job_id, _ = _stage(sessions, tenant.org_id)
    with session_scope(sessions) as s:
        _, dedup = stage_unique(
            s, effect, job_type="test.effect", org_id=tenant.org_id, unique_key="k"
        )
        assert dedup
        with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as other:
            other.execute("SET lock_timeout = '50ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(
                    "UPDATE jobs SET status = 'running', attempts = 1 WHERE id = %s", (job_id,)
                )


def test_a_debounced_job_is_not_sent_before_its_time(
    sessions: sessionmaker[Session], engine: Engine, settings: Settings, tenant: Tenant
) -> None:
    job_id, _ = _stage(sessions, tenant.org_id, debounce_s=300)
    with psycopg.connect(settings.database.psycopg_dsn) as conn:
        assert conn.execute(_CLAIM, (10,)).fetchall() == []
    with session_scope(sessions) as s:
        past = datetime.now(UTC) - timedelta(seconds=1)
        s.execute(update(Job).where(Job.id == job_id).values(run_after=past))
    with psycopg.connect(settings.database.psycopg_dsn) as conn:
        assert [row[0] for row in conn.execute(_CLAIM, (10,)).fetchall()] == [job_id]
