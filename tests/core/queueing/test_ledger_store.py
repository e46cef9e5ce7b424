"""The ledger's group-commit writer: awaited starts, unawaited successes, plans that scale."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine

from core.queueing import job_state
from core.queueing.ledger_conn import FLUSH, FLUSH_NAME, Waiter, text_array
from core.queueing.ledger_store import LedgerStore
from core.queueing.supervisor import restarts
from core.settings import Settings
from tests.support.plans import scans_of
from tests.support.stack import wait_for

_INSERT = """
INSERT INTO jobs (id, type, actor, queue, params, message, status, attempts,
                  completed_attempts, progress, dispatched_at)
SELECT x, 't', 't', 'default', '{}', '{}', %s, 0, 0, 0, now() FROM unnest(%s::uuid[]) AS x
"""


@pytest.fixture
def conn(settings: Settings, engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(settings.database.psycopg_dsn, autocommit=True) as c:
        yield c


@pytest.fixture
def store(settings: Settings, engine: Engine) -> Iterator[LedgerStore]:
    s = LedgerStore(settings.database.psycopg_dsn)
    yield s
    s.close()


def _jobs(conn: psycopg.Connection[Any], n: int, status: str = "queued") -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    conn.execute(_INSERT, (status, ids))
    return ids


def _row(conn: psycopg.Connection[Any], job_id: str) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT status, attempts, completed_attempts, result, finished_at IS NOT NULL"
        " FROM jobs WHERE id = %s",
        (job_id,),
    ).fetchone()
    assert row is not None
    return tuple(row)


def test_start_counts_attempts_and_skips_finished_and_unknown_jobs(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    (queued,) = _jobs(conn, 1)
    (done,) = _jobs(conn, 1, "succeeded")
    (canceled,) = _jobs(conn, 1, "canceled")
    assert store.start(queued) == 0
    assert store.start(queued) == 1  # a second start without an outcome: one crash
    assert store.start(queued.upper()) == 2  # any spelling of the id
    assert store.start(done) is None
    assert store.start(canceled) is None
    assert store.start(str(uuid.uuid4())) is None
    assert _row(conn, queued)[:3] == ("running", 3, 0)
    assert _row(conn, done)[:2] == ("succeeded", 0)


def test_success_is_not_awaited_but_written_soon(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    (job,) = _jobs(conn, 1)
    assert store.start(job) == 0
    store.succeeded(job, '{"n": 1}')  # returns at once
    wait_for(lambda: _row(conn, job)[0] == "succeeded", timeout=5, interval=0.005)
    assert _row(conn, job) == ("succeeded", 1, 1, {"n": 1}, True)
    assert store.start(job) is None  # a redelivered copy is skipped


def test_successes_ride_with_starts_and_a_copy_of_a_job_finishing_is_skipped(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    store.linger_s = 60.0  # successes wait for a start
    first, second = _jobs(conn, 2)
    assert store.start(first) == 0
    store.succeeded(first, None)
    assert _row(conn, first)[0] == "running"
    # The next start carries the success; a start of the same job in that batch is a copy.
    assert store.start(second) == 0
    assert _row(conn, first) == ("succeeded", 1, 1, None, True)
    store.succeeded(second, "2")
    assert store.start(second) is None
    assert _row(conn, second) == ("succeeded", 1, 1, 2, True)


def test_close_writes_waiting_successes(
    settings: Settings, engine: Engine, conn: psycopg.Connection[Any]
) -> None:
    store = LedgerStore(settings.database.psycopg_dsn, linger_s=60.0)
    ids = _jobs(conn, 3)
    for job_id in ids:
        assert store.start(job_id) == 0
        store.succeeded(job_id, None)
    store.close()
    assert [_row(conn, j)[0] for j in ids] == ["succeeded"] * 3


def test_concurrent_starts_are_grouped(store: LedgerStore, conn: psycopg.Connection[Any]) -> None:
    ids = _jobs(conn, 40)
    results: dict[str, int | None] = {}
    barrier = threading.Barrier(8)

    def run(k: int) -> None:
        barrier.wait()
        for job_id in ids[k::8]:
            results[job_id] = store.start(job_id)
            store.succeeded(job_id, None)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == dict.fromkeys(ids, 0)
    store.close()
    rows = conn.execute(
        "SELECT count(*) FROM jobs WHERE status = 'succeeded' AND completed_attempts = 1"
    ).fetchone()
    assert rows is not None and rows[0] == 40


def test_successes_survive_a_lost_connection(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    first, second = _jobs(conn, 2)
    assert store.start(first) == 0
    # Kill the writer's session: the next write fails, its waiter gets the error, and the
    # success waiting with it is kept and written after the reconnect.
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND query LIKE '%%attempts = attempts + 1%%'"
    )
    store.linger_s = 60.0
    store.succeeded(first, None)
    with pytest.raises(psycopg.OperationalError):
        store.start(second)
    assert store.start(second) == 0  # the failed start never reached the server
    store.close()
    assert _row(conn, first)[0] == "succeeded"


def test_execute_returns_the_first_row(store: LedgerStore) -> None:
    assert store.execute("SELECT %s::int + 1", (41,)) == (42,)
    assert store.execute("SELECT 1 WHERE false", ()) is None


def test_waiter_times_out() -> None:
    with pytest.raises(TimeoutError):
        Waiter().wait(0.01)


def test_text_array_literals_round_trip(conn: psycopg.Connection[Any]) -> None:
    values = ['{"a": "b\\"c"}', None, "x,y}", "", "NULL", "\\"]
    got = conn.execute("SELECT %s::text::text[]", (text_array(values).decode(),)).fetchone()
    assert got is not None and got[0] == values


def _numbered(sql: str) -> str:
    """``sql`` with psycopg's ``%s`` placeholders as ``$1, $2, …``."""
    parts = sql.split("%s")
    return "".join(p + (f"${i}" if i < len(parts) else "") for i, p in enumerate(parts, 1))


@pytest.mark.parametrize("mode", ["auto", "force_generic_plan"])
@pytest.mark.parametrize(
    ("sql", "args"),
    [
        (FLUSH, f"'{{}}', '{{}}', '{{{uuid.uuid4()}}}', 'w'"),
        (FLUSH, f"'{{{uuid.uuid4()}}}', '{{1}}', '{{{uuid.uuid4()}}}', 'w'"),
        (_numbered(job_state.FAIL_SQL), f"'queued', 'e', 'queued', '{uuid.uuid4()}', 't'"),
        (_numbered(job_state.DEAD_SQL), f"'e', '{uuid.uuid4()}'"),
        (_numbered(job_state.PROGRESS_SQL), f"5, '{uuid.uuid4()}'"),
    ],
    # Stable ids: every pytest-xdist worker must collect the same test names.
    ids=["flush", "flush-running", "fail", "dead", "progress"],
)
def test_plans_use_the_primary_key_when_statistics_say_few_jobs_are_active(
    conn: psycopg.Connection[Any], sql: str, args: str, mode: str
) -> None:
    # The usual state: statistics from a table of finished jobs, then a backlog arrives.
    _jobs(conn, 2000, "succeeded")
    conn.execute("ANALYZE jobs")
    _jobs(conn, 2000, "queued")
    conn.execute(f"SET plan_cache_mode = {mode}")
    types = ", ".join(["unknown"] * (args.count(",") + 1))
    conn.execute(f"PREPARE ledger_plan ({types}) AS {sql}")
    plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN EXECUTE ledger_plan ({args})"))
    conn.execute("DEALLOCATE ledger_plan")
    assert "pk_jobs" in plan, plan
    assert "Seq Scan on jobs" not in plan, plan


def _flush_scans(store: LedgerStore) -> set[tuple[str, str]]:
    """The scans of ``jobs`` in the plan the store's connection would run its flush with."""
    args = f"'{{}}', '{{}}', '{{{uuid.uuid4()}}}', 'w'"
    sql = f"EXPLAIN (FORMAT JSON) EXECUTE {FLUSH_NAME.decode()}({args})"
    row = store.execute(sql, ())
    assert row is not None
    return scans_of(row[0], "jobs")


def test_a_plan_made_while_the_table_was_tiny_is_made_again_after_a_backlog_grew_it(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    conn.execute("TRUNCATE jobs CASCADE")  # a new install, or a bench's fresh start
    store.replan_s = 3600.0
    for _ in range(8):  # PostgreSQL keeps a generic plan from the sixth run on
        assert store.start(str(uuid.uuid4())) is None
    _jobs(conn, 3000)  # a backlog arrives; no ANALYZE has run yet
    stale = _flush_scans(store)
    assert ("Seq Scan", "") in stale, stale  # what every flush would scan until then
    store.replan_s = 0.0
    for _ in range(3):  # lone writes (a quiet system) keep the plan
        assert store.start(str(uuid.uuid4())) is None
    assert _flush_scans(store) == stale
    # A batch of more than one write (load) finds it old and prepares it again.
    store.linger_s = 60.0
    store.succeeded(str(uuid.uuid4()), None)
    store.succeeded(str(uuid.uuid4()), None)
    assert store.execute("SELECT 1", ()) == (1,)  # sent with the two successes
    store.replan_s, store.linger_s = 3600.0, 0.002
    for _ in range(8):
        assert store.start(str(uuid.uuid4())) is None
    fresh = _flush_scans(store)
    assert fresh and all(index == "pk_jobs" for _, index in fresh), fresh


def test_a_result_postgresql_refuses_fails_its_own_job_and_nothing_behind_it(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    store.linger_s = 60.0  # the poison success rides with the next starts
    poison, good, later = _jobs(conn, 3)
    assert store.start(poison) == 0
    assert store.start(good) == 0
    store.succeeded(poison, '{"text": "a\\u0000b"}')  # jsonb cannot hold NUL
    store.succeeded(good, '{"n": 1}')
    assert store.start(later) == 0  # the batch failed; row by row, only the poison fails
    assert _row(conn, good) == ("succeeded", 1, 1, {"n": 1}, True)
    status, _, completed, result, finished = _row(conn, poison)
    assert (status, completed, result, finished) == ("failed", 1, None, True)
    error = conn.execute("SELECT error FROM jobs WHERE id = %s", (poison,)).fetchone()
    assert error is not None and "result could not be stored" in error[0]
    # And the writer keeps going: the next batch takes the fast path again.
    store.succeeded(later, None)
    store.close()
    assert _row(conn, later)[0] == "succeeded"


def test_a_start_postgresql_refuses_fails_only_its_caller(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    (job,) = _jobs(conn, 1)
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def start(job_id: str) -> None:
        barrier.wait()
        try:
            results[job_id] = store.start(job_id)
        except psycopg.Error as exc:
            results[job_id] = exc

    threads = [threading.Thread(target=start, args=(j,)) for j in (job, "not-a-uuid")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[job] == 0
    assert isinstance(results["not-a-uuid"], psycopg.errors.InvalidTextRepresentation)


def test_a_writer_that_crashes_is_restarted_and_counted(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    first, second = _jobs(conn, 2)
    assert store.start(first) == 0
    before = restarts("ledger-writer")
    store._queue.put((0, None))  # type: ignore[arg-type]  # a malformed item: a bug in the loop
    wait_for(lambda: restarts("ledger-writer") == before + 1, timeout=5, interval=0.01)
    assert store.start(second) == 0  # the restarted writer serves the next start
    assert store._thread is not None and store._thread.is_alive()


class _Spy(LedgerStore):
    """Records which thread sent each batch (the write itself is the real one)."""

    def __init__(self, dsn: str) -> None:
        super().__init__(dsn)
        self.senders: list[str] = []

    def _write(self, conn: Any, sqls: Any, starts: Any, *rest: Any, **kw: Any) -> None:  # type: ignore[override]
        if starts:
            self.senders.append(threading.current_thread().name)
        LedgerStore._write(conn, sqls, starts, *rest, **kw)


def test_a_start_on_an_idle_writer_is_sent_by_its_caller(
    settings: Settings, engine: Engine, conn: psycopg.Connection[Any]
) -> None:
    store = _Spy(settings.database.psycopg_dsn)
    try:
        store.open()
        wait_for(lambda: store._writer_idle, timeout=5, interval=0.005)
        first, second = _jobs(conn, 2)
        assert store.start(first) == 0
        assert store.senders == [threading.current_thread().name]
        # A success waiting for its statement: the next start goes through the writer,
        # which sends both in one statement.
        store.linger_s = 60.0
        store.succeeded(first, None)
        assert store.start(second) == 0
        assert store.senders[-1] == "ledger-writer"
        assert _row(conn, first)[0] == "succeeded" and _row(conn, second)[:2] == ("running", 1)
    finally:
        store.close()


def test_a_callers_start_on_a_lost_connection_fails_it_and_the_writer_reconnects(
    store: LedgerStore, conn: psycopg.Connection[Any]
) -> None:
    first, second = _jobs(conn, 2)
    assert store.start(first) == 0
    wait_for(lambda: store._writer_idle, timeout=5, interval=0.005)
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND query LIKE '%%attempts = attempts + 1%%'"
    )
    with pytest.raises(psycopg.OperationalError):
        store.start(second)  # sent from here, on the writer's dead connection
    assert store.start(second) == 0  # through the writer, which connects again
    assert _row(conn, second)[:2] == ("running", 1)
