"""Redis against RabbitMQ through our full stack: relay rate, drain rate, commit→start.

Run as ``.venv/bin/python bench/brokers.py [--quick]`` (``make bench`` runs it); prints one
JSON object per figure, the RabbitMQ figures with the Redis ones as their baseline.

For each broker, in turn: N no-op jobs staged in the outbox and relayed (``Relay.drain``;
on RabbitMQ every batch waits for its publisher confirms), then drained by one supervised
worker pool (``python -m worker``, ``--processes`` (2) x 8 threads, ledger on) until every row is
``succeeded`` (rate from the first ``started_at`` to the last ``finished_at``); then, pool
and relay running, QUIET jobs staged one at a time QUIET_GAP_S apart: ``started_at -
created_at`` (both PostgreSQL's clock) is what a job waits.

Isolation: PostgreSQL database ``saleshub_bench`` (created and migrated if missing, emptied
before and after), Redis database ``BENCH_REDIS_DB`` (3) under the namespace
``bench_brokers`` (SCAN + UNLINK), and RabbitMQ's vhost ``saleshub_bench`` of the private
node (``scripts/services.sh wait-rabbitmq`` starts it; its queues are purged). 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    ROOT,
    Processes,
    emit,
    flush_namespace,
    load_env,
    note,
    percentile,
    prepare_database,
    wait_until,
    with_redis_db,
)

load_env()

import psycopg  # noqa: E402
import redis  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "saleshub_bench")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "3"))
NAMESPACE = "bench_brokers"
QUIET_GAP_S = 0.1


def rabbitmq_url() -> str:
    """The private node's bench vhost (started and waited for if need be)."""
    from tests.support.rabbitmq import rabbitmq_url as test_url

    return test_url().rsplit("/", 1)[0] + "/saleshub_bench"


class Run:
    """One broker's run: its environment, worker pool, relay and figures."""

    def __init__(self, kind: str, env: dict[str, str], procs: Processes) -> None:
        from core.queueing.broker import configure
        from core.settings import Settings
        from models.db import make_engine, make_sessionmaker

        self.kind, self.env, self.procs = kind, {**env, "BROKER_KIND": kind}, procs
        os.environ["BROKER_KIND"] = kind
        self.settings = Settings.from_env()
        self.broker = configure(self.settings)
        self.sessions = make_sessionmaker(make_engine(self.settings.database.url, pool_size=2))
        self.dsn = self.settings.database.psycopg_dsn

    def stage(self, n: int) -> None:
        from bench.support.noop_actors import noop
        from core.queueing.outbox import stage
        from models.db import session_scope

        for start in range(0, n, 1000):
            with session_scope(self.sessions) as s:
                for _ in range(min(1000, n - start)):
                    stage(s, noop, job_type="bench.noop", org_id=None)

    def succeeded(self, pg: psycopg.Connection[Any]) -> int:
        row = pg.execute("SELECT count(*) FROM jobs WHERE status = 'succeeded'").fetchone()
        return int(row[0]) if row else 0

    def throughput(self, n: int, pg: psycopg.Connection[Any]) -> tuple[float, float]:
        """(relay msgs/s, drain jobs/s) for n staged no-op jobs."""
        from core.queueing.relay import Relay

        self.stage(n)
        self.relay = Relay(self.settings, self.broker)
        t = time.perf_counter()
        sent = self.relay.drain(pg)
        relay_rate = sent / (time.perf_counter() - t)
        assert sent == n, (sent, n)
        argv = [sys.executable, "-m", "worker", "bench.support.noop_actors"]
        self.procs.start(f"worker-{self.kind}", argv, self.env)
        wait_until(lambda: self.succeeded(pg) == n, timeout=180, interval=0.02, what="drain")
        # From the first start to the last finish (PostgreSQL's clock): the pool's boot is
        # not the broker's.
        row = pg.execute(
            "SELECT count(*) / extract(epoch FROM max(finished_at) - min(started_at)) FROM jobs"
        ).fetchone()
        assert row is not None
        return relay_rate, float(row[0])

    def quiet(self, count: int, pg: psycopg.Connection[Any]) -> list[float]:
        """commit→start of ``count`` jobs staged one at a time, in ms, sorted."""
        pg.execute("DELETE FROM jobs")
        thread = threading.Thread(target=self.relay.run, daemon=True)
        thread.start()
        try:
            for _ in range(count):
                self.stage(1)
                time.sleep(QUIET_GAP_S)
            wait_until(lambda: self.succeeded(pg) == count, timeout=60, what="quiet jobs")
        finally:
            self.relay.stop()
            thread.join(15)
        rows = pg.execute(
            "SELECT extract(epoch FROM started_at - created_at) * 1000 FROM jobs"
        ).fetchall()
        return sorted(float(r[0]) for r in rows)

    def close(self, pg: psycopg.Connection[Any]) -> None:
        self.procs.stop(f"worker-{self.kind}")
        self.relay.publisher.close()
        self.broker.close()
        pg.execute("DELETE FROM jobs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 jobs and 20 quiet ones")
    parser.add_argument(
        "--processes", type=int, default=2, help="worker processes of the pool (8 threads each)"
    )
    args = parser.parse_args()
    n, quiet = (2000, 20) if args.quick else (10_000, 50)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": prepare_database(BENCH_DB),
        "BROKER_URL": with_redis_db(os.environ["BROKER_URL"], REDIS_DB),
        "CACHE_URL": with_redis_db(os.environ["CACHE_URL"], REDIS_DB),
        "BROKER_NAMESPACE": NAMESPACE,
        "RABBITMQ_URL": rabbitmq_url(),
        "WORKER_PROCESSES": str(args.processes),
        "WORKER_THREADS": "8",
        "CANARY_INTERVAL_S": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    from tests.support.rabbitmq import purge

    client = redis.Redis.from_url(env["BROKER_URL"])
    figures: dict[str, dict[str, float | None]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-brokers-") as logs:
        procs = Processes(Path(logs))
        try:
            for kind in ("redis", "rabbitmq"):
                flush_namespace(client, NAMESPACE)
                purge(env["RABBITMQ_URL"])
                run = Run(kind, env, procs)
                with psycopg.connect(run.dsn, autocommit=True) as pg:
                    pg.execute("DELETE FROM jobs")
                    relay_rate, drain_rate = run.throughput(n, pg)
                    waits = run.quiet(quiet, pg)
                    run.close(pg)
                figures[kind] = {
                    "relay_msgs_per_s": relay_rate,
                    "drain_jobs_per_s": drain_rate,
                    "drain_jobs_per_s_per_process": drain_rate / args.processes,
                    "commit_to_start_p50_ms": percentile(waits, 0.5),
                    "commit_to_start_p90_ms": percentile(waits, 0.9),
                }
                note(f"{kind}: {figures[kind]}")
        finally:
            procs.stop_all()
            flush_namespace(client, NAMESPACE)
            purge(env["RABBITMQ_URL"])
    units = {
        "relay_msgs_per_s": "msgs/s",
        "drain_jobs_per_s": "jobs/s",
        "drain_jobs_per_s_per_process": "jobs/s",
    }
    for name, value in figures["redis"].items():
        emit(f"redis_{name}", value, units.get(name, "ms"))
    for name, value in figures["rabbitmq"].items():
        target = ">= 0.5 x redis" if name in units else "<= 2 x redis"
        emit(f"rabbitmq_{name}", value, units.get(name, "ms"), target, figures["redis"][name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
