"""The PostgreSQL job ledger's ceiling: ledger writes a second with no broker and no actor.

Run as ``.venv/bin/python bench/ledger.py [--quick]``; prints one JSON object per figure.

What a worker's ledger does for every job, and nothing else: ``LedgerStore.start`` (the
awaited start: status ``running``, attempts + 1) then ``LedgerStore.succeeded`` (the
unawaited success), from P processes (each with its own writer thread and connection, as
each worker process has) of T threads each, over N queued rows inserted beforehand. No
Redis, no RabbitMQ, no Dramatiq: the rate is the ledger's ceiling on this PostgreSQL, the
most jobs a second any number of worker nodes could finish through one primary.

Figures per level of P (``ledger_p<P>_…``): jobs/s (each job is two row writes: its start
and its success), row writes/s, and PostgreSQL backend CPU per job (the writers' backends,
read from /proc: the primary's cost per job, which the 10- and 100-node arithmetic in
docs/SCALING.md divides into cores), and WAL bytes per job; at the end the ``jobs`` table's
size (heap, indexes, TOAST) per row of the last level (bench rows: tiny params and no
result; the real rows are larger). Isolation: database ``saleshub_bench`` (created and
migrated if missing; its ``jobs`` table emptied before and after). 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import emit, load_env, note, prepare_database

load_env()

import psycopg  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "saleshub_bench")
APP_NAME = "bench_ledger"
_INSERT = """
INSERT INTO jobs (id, type, actor, queue, params, message, status, attempts,
                  completed_attempts, progress, dispatched_at)
SELECT x, 'bench.noop', 'noop', 'default', '{}', '{}', 'queued', 0, 0, 0, now()
FROM unnest(%s::uuid[]) AS x
"""
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode(errors="replace")
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _worker(dsn: str, ids: list[str], threads: int, go: Any, done: Any) -> None:
    """One "worker process": a ledger store and ``threads`` threads starting and finishing."""
    from core.queueing.ledger_store import LedgerStore

    store = LedgerStore(dsn, worker_id=f"bench-{os.getpid()}")
    store.open()
    store.execute("SELECT 1", ())  # the writer's connection is open before the clock starts
    shares = [ids[i::threads] for i in range(threads)]

    def run(share: list[str]) -> None:
        for job_id in share:
            if store.start(job_id) is not None:
                store.succeeded(job_id, None)

    go.wait()
    workers = [threading.Thread(target=run, args=(s,)) for s in shares]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    store.close(60)  # the last successes are written before the process reports done
    done.put(os.getpid())


def measure(
    dsn: str,
    pg: psycopg.Connection[Any],
    n: int,
    procs: int,
    threads: int,
    base: float | None,
    *,
    report: bool = True,
) -> float:
    """Emit one level's figures (rates against ``base``, the first level's); its jobs/s."""
    pg.execute("DELETE FROM jobs")
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for i in range(0, n, 5000):
        pg.execute(_INSERT, (ids[i : i + 5000],))
    pg.execute("VACUUM ANALYZE jobs")
    ctx = multiprocessing.get_context("fork")
    go, done = ctx.Event(), ctx.Queue()
    children = [
        ctx.Process(target=_worker, args=(dsn, ids[i::procs], threads, go, done))
        for i in range(procs)
    ]
    for c in children:
        c.start()
    deadline = time.monotonic() + 30
    while True:  # every writer connected (and idle) before the clock starts
        row = pg.execute(
            "SELECT array_agg(pid) FROM pg_stat_activity WHERE application_name = %s",
            (APP_NAME,),
        ).fetchone()
        backends = list(row[0] or []) if row else []
        if len(backends) >= procs or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    pg_cpu0 = sum(_cpu_s(p) for p in backends)
    wal0 = pg.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
    t0 = time.perf_counter()
    go.set()
    for _ in children:
        done.get(timeout=600)
    elapsed = time.perf_counter() - t0
    pg_cpu = sum(_cpu_s(p) for p in backends) - pg_cpu0
    wal = pg.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (wal0,)).fetchone()
    for c in children:
        c.join(10)
    row = pg.execute("SELECT count(*) FROM jobs WHERE status = 'succeeded'").fetchone()
    finished = int(row[0]) if row else 0
    assert finished == n, (finished, n)
    rate = n / elapsed
    label = f"ledger_p{procs}_t{threads}"
    if not report:
        return rate
    emit(f"{label}_jobs_per_s", rate, "jobs/s", None, base)
    emit(f"{label}_row_writes_per_s", 2 * rate, "writes/s", None, 2 * base if base else None)
    emit(f"{label}_pg_cpu_ms_per_job", 1000 * pg_cpu / n, "ms")
    emit(f"{label}_wal_bytes_per_job", float(wal[0]) / n if wal else None, "bytes")
    note(f"{label}: {rate:.0f} jobs/s, PostgreSQL backends {pg_cpu:.2f} s CPU in {elapsed:.2f} s")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 jobs a level")
    parser.add_argument("--jobs", type=int, default=0, help="jobs a level (default 20,000)")
    parser.add_argument("--threads", type=int, default=8, help="threads a process (8)")
    parser.add_argument("--procs", default="1,2,4", help="levels of processes (1,2,4)")
    args = parser.parse_args()
    n = args.jobs or (5_000 if args.quick else 20_000)
    url = prepare_database(BENCH_DB).replace("postgresql+psycopg://", "postgresql://", 1)
    dsn = f"{url}{'&' if '?' in url else '?'}application_name={APP_NAME}"
    note(f"load average at start: {os.getloadavg()}")
    with psycopg.connect(url, autocommit=True) as pg:
        try:
            # A first, unreported level warms PostgreSQL's caches and the prepared plans.
            measure(dsn, pg, min(n, 2000), 1, args.threads, None, report=False)
            base = None
            for procs in (int(p) for p in args.procs.split(",")):
                rate = measure(dsn, pg, n, procs, args.threads, base)
                base = base or rate
            row = pg.execute(
                "SELECT pg_total_relation_size('jobs') / greatest(count(*), 1) FROM jobs"
            ).fetchone()
            emit("ledger_jobs_bytes_per_row", float(row[0]) if row else None, "bytes")
        finally:
            pg.execute("DELETE FROM jobs")
    note(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
