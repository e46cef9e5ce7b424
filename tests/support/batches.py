"""Batches for tests, made through the real code: staged with ``core.queueing.batches``,
members finished through the ledger's own statements (``LedgerStore``), so the triggers
move the counters as they do for a worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, update
from sqlalchemy.orm import Session, sessionmaker

import tests.support.actors  # noqa: F401
from core.queueing import batches, job_state
from core.queueing.ledger_store import LedgerStore
from core.settings import Settings
from models import Job
from models.db import session_scope
from tests.support.actors import batch_done, member
from tests.support.stack import wait_for


@pytest.fixture
def store(settings: Settings, engine: Engine) -> Iterator[LedgerStore]:
    s = LedgerStore(settings.database.psycopg_dsn)
    yield s
    s.close()


def make_batch(
    sessions: sessionmaker[Session],
    org_id: int | None,
    n: int,
    *,
    parent: uuid.UUID | None = None,
    dispatched: bool = False,
) -> tuple[str, list[str]]:
    """A batch of ``n`` queued ``test.member`` jobs and a ``test.batch_done`` callback: its
    id and its members'. ``dispatched``: as if the relay had sent them (a run of the staged
    jobs leaves them queued)."""
    with session_scope(sessions) as s:
        batch_id = batches.open_batch(
            s, org_id=org_id, callback=batch_done, callback_args=("k",), parent_id=parent
        )
        ids = [
            str(batches.add(s, batch_id, member, job_type="m", org_id=org_id,
                            args=(str(i), "ok")).id)
            for i in range(n)
        ]  # fmt: skip
        batches.seal(s, batch_id)
        if dispatched:
            s.execute(update(Job).where(Job.batch_id == batch_id).values(dispatched_at=func.now()))
    return str(batch_id), ids


_STATUS = "SELECT status FROM jobs WHERE id = %s"


def finish(store: LedgerStore, job_id: str, *, ok: bool) -> None:
    """Start a member and let it succeed, or fail for good, as the worker's ledger does."""
    assert store.start(job_id) == 0
    if ok:
        store.succeeded(job_id, None)
        # A success is written soon, not awaited (group commit): wait until it is, as a
        # reader after a worker's success would (a loaded CI machine took over 2 ms).
        wait_for(lambda: store.execute(_STATUS, (job_id,)) == ("succeeded",), timeout=10)
    else:
        status = job_state.failure_status(gave_up=True)
        store.execute(job_state.FAIL_SQL, (status, "boom", status, job_id, "Traceback: boom"))
