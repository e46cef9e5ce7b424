"""The relay's prepared statements are prepared again under load (docs/decisions/0050)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy.orm import Session, sessionmaker

import worker.entry  # noqa: F401
from core.queueing.broker import configure
from core.queueing.relay import Relay
from core.queueing.relay_sql import MARK_NAME
from core.settings import Settings
from models.db import session_scope
from tests.support.actors import effect
from tests.support.factories import stage_id
from tests.support.plans import scans_of

_GROW = """
INSERT INTO jobs (id, type, actor, queue, params, message, status, attempts,
                  completed_attempts, progress, dispatched_at)
SELECT gen_random_uuid(), 't', 't', 'default', '{}', '{}', 'succeeded', 1, 1, 100, now()
FROM generate_series(1, %s)
"""


@pytest.fixture
def relay(settings: Settings) -> Relay:
    broker = configure(settings)
    assert isinstance(broker, RedisBroker)
    return Relay(settings, broker)


@pytest.fixture
def conn(relay: Relay) -> Iterator[psycopg.Connection[Any]]:
    with relay.connections() as (main, _):
        yield main


def _pass(
    relay: Relay, conn: psycopg.Connection[Any], sessions: sessionmaker[Session], n: int
) -> None:
    with session_scope(sessions) as s:
        for i in range(n):
            stage_id(s, effect, job_type="t", org_id=None, args=(f"k{uuid.uuid4()}-{i}",))
    assert relay.drain_once(conn) == n


def _mark_scans(conn: psycopg.Connection[Any]) -> set[tuple[str, str]]:
    """The scans of ``jobs`` in the plan ``conn`` would stamp a sent row with."""
    args = f"'{{{uuid.uuid4()}}}', '{{r}}', '{{default}}'"
    row = conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE {MARK_NAME.decode()}({args})").fetchone()
    assert row is not None
    return scans_of(row[0], "jobs")


def test_a_stamp_planned_while_jobs_was_tiny_is_planned_again_once_a_backlog_grew_it(
    relay: Relay, conn: psycopg.Connection[Any], sessions: sessionmaker[Session]
) -> None:
    conn.execute("TRUNCATE jobs CASCADE")  # a new install, or a bench's fresh start
    relay.replan_s = 3600.0
    for _ in range(8):  # PostgreSQL keeps a generic plan from the sixth run on
        _pass(relay, conn, sessions, 1)
    conn.execute(_GROW, (3000,))  # a backlog arrives; no ANALYZE has run yet
    stale = _mark_scans(conn)
    assert ("Seq Scan", "") in stale, stale  # what every pass would scan until then
    relay.replan_s = 0.0
    for _ in range(3):  # passes of one job (a quiet system) keep their plans
        _pass(relay, conn, sessions, 1)
    assert _mark_scans(conn) == stale
    _pass(relay, conn, sessions, 2)  # a pass of more than one (load) ...
    _pass(relay, conn, sessions, 1)  # ... and the next pass prepares them again
    relay.replan_s = 3600.0
    for _ in range(8):
        _pass(relay, conn, sessions, 1)
    fresh = _mark_scans(conn)
    assert fresh and all(index == "pk_jobs" for _, index in fresh), fresh


def test_plans_younger_than_the_window_are_kept_under_load(
    relay: Relay, conn: psycopg.Connection[Any], sessions: sessionmaker[Session]
) -> None:
    conn.execute("TRUNCATE jobs CASCADE")
    relay.replan_s = 3600.0
    for _ in range(8):
        _pass(relay, conn, sessions, 2)  # load, but the plans are young
    conn.execute(_GROW, (3000,))
    assert ("Seq Scan", "") in _mark_scans(conn)
    _pass(relay, conn, sessions, 2)
    assert ("Seq Scan", "") in _mark_scans(conn)


def test_a_failed_pass_leaves_its_connection_prepared_again_on_the_next(
    relay: Relay, conn: psycopg.Connection[Any], sessions: sessionmaker[Session]
) -> None:
    _pass(relay, conn, sessions, 1)
    conn.execute("DEALLOCATE ALL")  # as if a failed pass had lost them
    with pytest.raises(psycopg.errors.InvalidSqlStatementName):
        relay.drain_once(conn)  # the claim is gone: the pass raises, nothing is sent
    _pass(relay, conn, sessions, 1)  # prepared again, whatever was left
