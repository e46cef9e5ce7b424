"""The ledger writer's connection and wire helpers: its prepared statement, array literals
and the waiter a caller blocks on. Kept apart from :mod:`core.queueing.ledger_store`, which
holds the group-commit logic."""

from __future__ import annotations

import threading
import uuid
from typing import Any, TypeGuard

import psycopg
from psycopg.pq import ConnStatus, ExecStatus

from core.queueing.job_state import SUCCEED_AND_START_SQL

# The one statement of a batch: successes and starts (core.queueing.job_state owns it).
FLUSH = SUCCEED_AND_START_SQL
FLUSH_NAME = b"saleshub_ledger_flush"
#: Sessions whose commits do not wait for the WAL flush: the ledger's (0002) and the relay's
#: (0047); each record says why a commit lost with PostgreSQL's crash is safe for it.
ASYNC_COMMIT = "-c synchronous_commit=off"


class Waiter:
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


def usable(conn: psycopg.Connection[Any] | None) -> TypeGuard[psycopg.Connection[Any]]:
    """Whether ``conn`` is open and its session alive, as far as the client knows."""
    return conn is not None and not conn.closed and conn.pgconn.status == ConnStatus.OK


def raise_if_disconnected(conn: psycopg.Connection[Any]) -> None:
    pgconn = conn.pgconn
    if pgconn.status != ConnStatus.OK:  # the connection is gone, not the statement
        message = (pgconn.error_message or b"connection lost").decode(errors="replace")
        raise psycopg.OperationalError(message.strip())


#: Longest the flush's plan is kept before it is prepared again, in seconds.
#:
#: PostgreSQL keeps the generic plan it makes at a prepared statement's sixth run until
#: the table's next ``ANALYZE``. Made while ``jobs`` was tiny (a new install, a bench or a
#: test after ``TRUNCATE``), it scans the whole table and hash-joins; when a backlog then
#: grows the table, every flush scans it, and autovacuum's ``ANALYZE`` can come minutes
#: later, behind its throttled ``VACUUM`` of the same busy table. Measured: 3 ms of
#: PostgreSQL's CPU a job where a keyed plan costs 0.65 (docs/decisions/0049). Preparing
#: again when a batch of more than one write finds the plan this old bounds a stale plan
#: under load to this long (a bench's 10 s burst ran half on plans made before it at
#: 5 s), for a round trip and five custom plans (0.3 ms of PostgreSQL's CPU each) every
#: period; planning every run instead (``plan_cache_mode =
#: force_custom_plan``) costs those 0.3 ms on every statement, a quiet job's start
#: included.
REPLAN_S = 1.0


def connect(dsn: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(dsn, autocommit=True, options=ASYNC_COMMIT, connect_timeout=5)
    try:
        _prepare(conn)
    except psycopg.Error:
        conn.close()
        raise
    return conn


def replan(conn: psycopg.Connection[Any]) -> None:
    """Prepare the flush again on ``conn``: its next plans are made from the table as it is."""
    res = conn.pgconn.exec_(b"DEALLOCATE " + FLUSH_NAME)
    if res.status != ExecStatus.COMMAND_OK:
        raise_if_disconnected(conn)
        raise psycopg.errors.error_from_result(res, encoding=conn.info.encoding)
    _prepare(conn)


def _prepare(conn: psycopg.Connection[Any]) -> None:
    res = conn.pgconn.prepare(FLUSH_NAME, FLUSH.encode())
    if res.status != ExecStatus.COMMAND_OK:
        raise_if_disconnected(conn)
        raise psycopg.errors.error_from_result(res, encoding=conn.info.encoding)


def text_array(values: list[str] | list[str | None]) -> bytes:
    """A PostgreSQL text array literal of ``values`` (``None`` is NULL)."""
    parts = [
        "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for v in values
    ]
    return ("{" + ",".join(parts) + "}").encode()


def canonical(job_id: str) -> str:
    try:
        return str(uuid.UUID(job_id))
    except ValueError:
        return job_id
