"""Job throughput and latency: bare Dramatiq vs our stack (outbox, relay, ledger), and the API.

Run as ``.venv/bin/python bench/jobs.py [--quick]``; prints one JSON object per figure.

Isolation: its own Redis database (``BENCH_REDIS_DB``, default 3) on the broker Redis, keys
only under the namespaces ``bench`` and ``bench_bare`` (deleted with SCAN + UNLINK), and its
own PostgreSQL database ``saleshub_bench`` (created and migrated if missing; its tables are
emptied before and after). Everything binds to 127.0.0.1; every subprocess is stopped at
the end, even on error.

Figures:
  1. bare Dramatiq: N no-op jobs already in Redis, drained by ``dramatiq -p 2 -t 8``.
  2. our stack: the same N no-op jobs staged with ``core.queueing.outbox.stage`` and relayed before
     the workers start, drained by ``dramatiq worker.entry:setup`` (ledger on), until every
     job row is ``succeeded``.
  3. ``Relay.drain()`` moving those N staged rows to Redis.
  4. ``POST /api/v1/jobs`` (``cache.invalidate`` of one tag: a cheap job, never deduplicated,
     unlike ``analytics.rollup``, whose requests coalesce into one queued job per org)
     through gunicorn, relay and workers, HTTP request to ``succeeded``, with the API's rate
     limits and per-org queue cap raised above the run (the limiter still runs); and the
     same path with a no-op job staged in single-row transactions from threads; then
     ``POST /api/v1/jobs/bulk`` of API_BULK_JOBS such jobs a request.
  5. Quiet system: one no-op job at a time, QUIET_GAP_S apart, each staged in its own
     transaction; commit (client clock, after COMMIT returned) to ``started_at``. This is
     the latency a user waits for after a quiet moment (docs/decisions/0009).
     ``--only quiet`` runs this figure alone (worker and relay only); ``--only paced``
     the paced no-op figure of 4 the same way.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    ROOT,
    CpuMeter,
    Deadline,
    Processes,
    bench_stack,
    emit,
    flush_namespace,
    free_port,
    load_env,
    note,
    percentile,
    pipelined_enqueue,
    show_detail,
    wait_until,
)

load_env()

import psycopg  # noqa: E402
import redis  # noqa: E402
from dramatiq import Message  # noqa: E402
from dramatiq.brokers.redis import RedisBroker  # noqa: E402

BUDGET_S = 230.0
PROCESSES, THREADS = "2", "8"
NS_OURS, NS_BARE = "bench", "bench_bare"
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "saleshub_bench")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "3"))
TENANTS = 8
CLIENT_THREADS = 8
STAGER_THREADS = 4
PACED_API_RATE = 100
PACED_NOOP_RATE = 200
QUIET_JOBS = 60
QUIET_GAP_S = 0.25
#: A throughput run, not a limits test: the limiter still counts every request.
API_LIMITS = {
    "RATE_LIMIT_JOBS": "1000000/minute",
    "RATE_LIMIT_ORG_JOBS": "1000000/minute",
    "ORG_MAX_ACTIVE_JOBS": "1000000",
}
API_JOB = {"type": "cache.invalidate", "params": {"tags": ["contacts"]}}
#: Jobs a ``POST /api/v1/jobs/bulk`` of the bulk API figure.
API_BULK_JOBS = 100
TABLES = "jobs, analytics_snapshots, idempotency_keys, api_keys, users, organizations"


class Bench:
    def __init__(self, n: int, m: int, log_dir: Path, probe: bool = False) -> None:
        self.n, self.m = n, m
        self.probe_dir: Path | None = None
        self.deadline = Deadline(BUDGET_S)
        self.procs = Processes(log_dir)
        self.log_dir = log_dir
        stack = bench_stack(NS_OURS, BENCH_DB, REDIS_DB, BENCH_BARE_NAMESPACE=NS_BARE, **API_LIMITS)
        self.broker_url, self.cache_url = stack.broker_url, stack.cache_url
        self.database_url, self.env = stack.database_url, stack.env
        self.env["BENCH_BARE_BROKER_URL"] = self.broker_url
        self.redis = redis.Redis.from_url(self.broker_url)
        self.pg: psycopg.Connection[Any] | None = None
        self.bare_rate: float | None = None
        self.bare_drain_rate: float | None = None
        self.not_ours_s = 0.0
        self.ours_rate = self.ours_drain_rate = 0.0
        self.quiet_c2s: list[float] = []
        self.quiet_rows: list[tuple[str, float, float, float]] = []
        self.metered_s = 0.0
        if probe:
            self.probe_dir = log_dir / "probe"
            self.probe_dir.mkdir()
            self.env["BENCH_PROBE_DIR"] = str(self.probe_dir)

    # ------------------------------------------------------------------ setup / teardown
    def timeout(self, seconds: float) -> float:
        return max(1.0, min(seconds, self.deadline.left()))

    def setup(self) -> None:
        admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,))
            if exists.fetchone() is None:
                note(f"creating database {BENCH_DB}")
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=60,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Everything in this process reads its settings from the bench environment.
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "BROKER_URL", "CACHE_URL")})
        os.environ["BROKER_NAMESPACE"] = NS_OURS
        self.pg = psycopg.connect(self.pg_dsn, autocommit=True)
        self.reset()

    @property
    def pg_dsn(self) -> str:
        return self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def reset(self) -> None:
        assert self.pg is not None
        self.pg.execute(f"TRUNCATE {TABLES} CASCADE")
        for ns in (NS_OURS, NS_BARE):
            flush_namespace(self.redis, ns)

    def teardown(self) -> None:
        self.procs.stop_all()
        try:
            if self.pg is not None and not self.pg.closed:
                self.reset()
                self.pg.close()
            else:
                for ns in (NS_OURS, NS_BARE):
                    flush_namespace(self.redis, ns)
        except Exception as exc:  # cleanup must not hide the real error
            note(f"cleanup failed: {exc!r}")

    # ------------------------------------------------------------------ helpers
    def queue_state(self, ns: str) -> tuple[int, int]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.llen(f"{ns}:default")
        pipe.hlen(f"{ns}:default.msgs")
        llen, hlen = pipe.execute()
        return int(llen), int(hlen)

    def drain_timed(self, ns: str, n: int, worker: str, t0: float) -> tuple[float, float]:
        """Poll until ``ns:default`` is empty and all acked; (first fetch, done) times."""
        first: float | None = None
        end = time.perf_counter() + self.timeout(150)
        while True:
            llen, hlen = self.queue_state(ns)
            now = time.perf_counter()
            if first is None and llen < n:
                first = now
            if llen == 0 and hlen == 0:
                return (first or now), now
            if not self.procs.alive(worker):
                raise RuntimeError(f"{worker} died:\n{self.procs.tail(worker)}")
            if now > end:
                raise TimeoutError(f"{worker}: {hlen} of {n} messages left after {now - t0:.0f}s")
            time.sleep(0.005)

    def meter(self, *names: str) -> CpuMeter:
        """A started CPU meter over our processes ``names``, PostgreSQL and Redis."""
        redis_addr = urlsplit(self.broker_url).netloc.rpartition("@")[2]
        meter = CpuMeter(
            {name: self.procs.procs[name].pid for name in names},
            {"postgres": f" {BENCH_DB} ", "redis": f"redis-server {redis_addr}"},
        )
        meter.start()
        return meter

    def emit_cpu(self, prefix: str, usage: dict[str, float], jobs: int) -> None:
        """CPU per job by component; ``other`` is the rest of the machine (not ours)."""
        names = {"self": "bench_driver", "other": "not_ours"}
        for name, seconds in usage.items():
            if name not in ("wall", "machine"):
                figure = f"{prefix}_cpu_ms_per_job_{names.get(name, name)}"
                emit(figure, seconds * 1000 / jobs, "ms", detail=True)
        busy = usage["machine"] / usage["wall"]
        emit(f"{prefix}_machine_busy_cores", busy, "cores", "<= 2", detail=True)
        self.not_ours_s += usage["other"]
        self.metered_s += usage["wall"]

    def worker_argv(self, *modules: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "dramatiq",
            *modules,
            "--processes",
            PROCESSES,
            "--threads",
            THREADS,
            "--queues",
            "default",
        ]

    # ------------------------------------------------------------------ 1. bare Dramatiq
    def bare(self) -> None:
        n = self.n
        broker = RedisBroker(url=self.broker_url, namespace=NS_BARE)
        messages: Iterator[Message[Any]] = (
            Message(
                queue_name="default", actor_name="bench.bare_noop", args=(), kwargs={}, options={}
            )
            for _ in range(n)
        )
        t = time.perf_counter()
        pipelined_enqueue(broker, messages)
        enqueue_s = time.perf_counter() - t
        assert self.queue_state(NS_BARE) == (n, n), self.queue_state(NS_BARE)
        emit("bare_pipelined_enqueue_msgs_per_s", n / enqueue_s, "msgs/s", detail=True)

        t0 = time.perf_counter()
        self.procs.start("bare_worker", self.worker_argv("bench.support.bare_actors"), self.env)
        meter = self.meter("bare_worker")
        first, done = self.drain_timed(NS_BARE, n, "bare_worker", t0)
        usage = meter.stop()
        self.bare_rate = n / (done - t0)
        self.bare_drain_rate = n / (done - first)
        emit("bare_dramatiq_jobs_per_s", self.bare_rate, "jobs/s")
        emit("bare_dramatiq_boot_s", first - t0, "s", detail=True)
        emit("bare_dramatiq_drain_jobs_per_s", self.bare_drain_rate, "jobs/s", detail=True)
        self.emit_cpu("bare_dramatiq", usage, n)
        self.procs.stop("bare_worker")
        broker.client.close()
        flush_namespace(self.redis, NS_BARE)

    # ------------------------------------------------------------------ 2 + 3. our stack
    def init_stack(self) -> None:
        """Settings, broker and sessions of this process, from the bench environment."""
        from core.queueing.broker import configure
        from core.settings import Settings
        from models.db import make_engine, make_sessionmaker

        self.settings = Settings.from_env()
        self.broker = configure(self.settings)
        assert isinstance(self.broker, RedisBroker) and self.broker.namespace == NS_OURS
        self.engine = make_engine(self.settings.database.url, pool_size=STAGER_THREADS + 2)
        self.sessions = make_sessionmaker(self.engine)

    def stage_and_relay(self) -> None:
        """Stage N no-op jobs in 1,000-row transactions, then relay them all to Redis."""
        from bench.support.noop_actors import noop
        from core.queueing.outbox import stage
        from core.queueing.relay import Relay
        from models.db import session_scope

        n = self.n
        t = time.perf_counter()
        for start in range(0, n, 1000):
            with session_scope(self.sessions) as s:
                for _ in range(min(1000, n - start)):
                    stage(s, noop, job_type="bench.noop", org_id=None)
        emit("stage_bulk_rows_per_s", n / (time.perf_counter() - t), "rows/s", detail=True)

        relay = Relay(self.settings, self.broker)
        # As the relay process drains a backlog: on its RELAY_CONNECTIONS connections.
        with relay.connections() as (conn, helpers):
            t, cpu = time.perf_counter(), time.process_time()
            sent = relay.drain(conn, helpers)
            relay_s, cpu = time.perf_counter() - t, time.process_time() - cpu
        assert sent == n, (sent, n)
        assert self.queue_state(NS_OURS) == (n, n), self.queue_state(NS_OURS)
        emit("relay_connections", relay.width, "connections", detail=True)
        emit("relay_msgs_per_s", n / relay_s, "msgs/s", target=">= 20000")
        # The relay's own CPU (this process): what the machine's other load does not move.
        emit("relay_cpu_us_per_msg", cpu / n * 1e6, "us", detail=True)

    def ours(self) -> None:
        n = self.n
        self.init_stack()
        self.stage_and_relay()

        t0 = time.perf_counter()
        argv = self.worker_argv("worker.entry:setup", "bench.support.noop_actors")
        self.procs.start("worker", argv, self.env)
        meter = self.meter("worker")
        first, _ = self.drain_timed(NS_OURS, n, "worker", t0)
        assert self.pg is not None

        def all_succeeded() -> bool:
            row = self.pg.execute(  # type: ignore[union-attr]
                "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FROM jobs"
            ).fetchone()
            return row is not None and row[0] == n

        wait_until(all_succeeded, timeout=self.timeout(30), what="all rows succeeded")
        done = time.perf_counter()
        usage = meter.stop()
        rate, drain_rate = n / (done - t0), n / (done - first)
        self.ours_rate, self.ours_drain_rate = rate, drain_rate
        emit("saleshub_jobs_per_s", rate, "jobs/s", target=">= 0.8 x bare", baseline=self.bare_rate)
        emit("saleshub_boot_s", first - t0, "s", detail=True)
        emit(
            "saleshub_drain_jobs_per_s",
            drain_rate,
            "jobs/s",
            target=">= 0.8 x bare",
            baseline=self.bare_drain_rate,
            detail=True,
        )
        self.emit_cpu("saleshub", usage, n)
        self.pg.execute("TRUNCATE jobs CASCADE")  # job_attempts (0009) refer to jobs

    # ------------------------------------------------------------------ 4. API end to end
    def start_web_and_relay(self) -> int:
        port = free_port()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--worker-class",
            "gthread",
            "--workers",
            PROCESSES,
            "--threads",
            THREADS,
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "web:create_app()",
        ]
        self.procs.start("web", argv, self.env)
        self.procs.start(
            "relay", [sys.executable, str(ROOT / "bench/support/relay_proc.py")], self.env
        )

        def healthy() -> bool:
            if not self.procs.alive("web"):
                raise RuntimeError(f"gunicorn died:\n{self.procs.tail('web')}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/health")
                ok = conn.getresponse().status == 200
                conn.close()
                return ok
            except OSError:
                return False

        wait_until(healthy, timeout=self.timeout(30), interval=0.1, what="gunicorn healthy")
        return port

    def make_tenants(self) -> list[str]:
        from models import Organization, User
        from models.db import session_scope
        from web.auth import mint_key

        keys = []
        with session_scope(self.sessions) as s:
            for i in range(TENANTS):
                org = Organization(name=f"bench-org-{i}")
                s.add(org)
                s.flush()
                user = User(org_id=org.id, email=f"bench{i}@bench.local", role="admin")
                s.add(user)
                s.flush()
                keys.append(mint_key(s, user))
        return keys

    def post_jobs(
        self, port: int, keys: list[str], total: int, rate: float | None = None, bulk: int = 1
    ) -> tuple[list[str], list[float]]:
        """``total`` POSTs from CLIENT_THREADS keep-alive connections, as fast as they go or
        paced at ``rate`` per second in all; return (job ids, request latencies). With
        ``bulk`` > 1, each POST is a ``/jobs/bulk`` of that many jobs."""
        ids: list[str] = []
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        path = "/api/v1/jobs" if bulk == 1 else "/api/v1/jobs/bulk"
        body = json.dumps(API_JOB if bulk == 1 else {"jobs": [API_JOB] * bulk})
        start = threading.Barrier(CLIENT_THREADS)

        def client(k: int) -> None:
            share = total // CLIENT_THREADS + (1 if k < total % CLIENT_THREADS else 0)
            headers = {
                "Authorization": f"Bearer {keys[k % len(keys)]}",
                "Content-Type": "application/json",
            }
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine, lat = [], []
            start.wait()
            t_start = time.perf_counter()
            try:
                for i in range(share):
                    if self.deadline.left() < 30:
                        raise TimeoutError("time budget")
                    if rate:
                        pause = t_start + (i * CLIENT_THREADS + k) / rate - time.perf_counter()
                        if pause > 0:
                            time.sleep(pause)
                    t = time.perf_counter()
                    try:
                        conn.request("POST", path, body, headers)
                        resp = conn.getresponse()
                        data = resp.read()
                    except (OSError, http.client.HTTPException):
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                        conn.request("POST", path, body, headers)
                        resp = conn.getresponse()
                        data = resp.read()
                    lat.append(time.perf_counter() - t)
                    if resp.status != 202:
                        raise RuntimeError(f"POST {path}: {resp.status} {data[:300]!r}")
                    out = json.loads(data)
                    mine.extend([out["id"]] if bulk == 1 else [j["id"] for j in out["jobs"]])
            except Exception as exc:
                with lock:
                    errors.append(repr(exc))
            finally:
                conn.close()
                with lock:
                    ids.extend(mine)
                    latencies.extend(lat)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENT_THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(self.timeout(120))
        if errors:
            raise RuntimeError(f"{len(errors)} client errors, first: {errors[0]}")
        return ids, latencies

    def wait_finished(self, ids: list[str], what: str, poll_s: float = 0.25) -> None:
        assert self.pg is not None

        def active() -> int:
            row = self.pg.execute(  # type: ignore[union-attr]
                "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
            ).fetchone()
            return int(row[0]) if row else 0

        # The rate ends at the last job's finished_at (from the rows), not at this poll, so
        # a slow poll loses nothing; a 20 ms one was 8% of PostgreSQL's busy samples in the
        # bulk run (a count over 12,000 active jobs each time).
        wait_until(lambda: active() == 0, timeout=self.timeout(90), interval=poll_s, what=what)
        row = self.pg.execute(
            "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FROM jobs"
            " WHERE id = ANY(%s::uuid[])",
            (ids,),
        ).fetchone()
        assert row is not None and row[0] == row[1] == len(ids), (row, len(ids))

    def timings(self, ids: list[str], t_first: float) -> dict[str, float]:
        """Rate (first request to last finish, wall clock) and latency split, from the rows."""
        assert self.pg is not None
        row = self.pg.execute(
            """
            WITH j AS (
              SELECT extract(epoch FROM started_at - created_at) * 1000 AS c2s,
                     extract(epoch FROM dispatched_at - created_at) * 1000 AS c2d,
                     extract(epoch FROM started_at - dispatched_at) * 1000 AS d2s,
                     extract(epoch FROM finished_at - started_at) * 1000 AS run,
                     finished_at
              FROM jobs WHERE id = ANY(%s::uuid[]))
            SELECT extract(epoch FROM max(finished_at)),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY c2s),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY c2s),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY c2d),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY c2d),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY d2s),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY d2s),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY run),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY run)
            FROM j
            """,
            (ids,),
        ).fetchone()
        assert row is not None
        keys = ("end", "c2s50", "c2s99", "c2d50", "c2d99", "d2s50", "d2s99", "run50", "run99")
        out = {k: float(v) for k, v in zip(keys, row, strict=True)}
        out["rate"] = len(ids) / (out.pop("end") - t_first)
        return out

    def report(
        self, prefix: str, t: dict[str, float], rate_target: str | None, brief: bool = False
    ) -> None:
        emit(f"{prefix}_jobs_per_s", t["rate"], "jobs/s", rate_target, detail=not rate_target)
        emit(f"{prefix}_commit_to_start_p50_ms", t["c2s50"], "ms", target="<= 10")
        emit(f"{prefix}_commit_to_start_p99_ms", t["c2s99"], "ms", target="<= 50")
        if brief:
            emit(f"{prefix}_commit_to_dispatch_p50_ms", t["c2d50"], "ms", detail=True)
            emit(f"{prefix}_dispatch_to_start_p50_ms", t["d2s50"], "ms", detail=True)
            return
        emit(f"{prefix}_commit_to_dispatch_p50_ms", t["c2d50"], "ms", detail=True)
        emit(f"{prefix}_commit_to_dispatch_p99_ms", t["c2d99"], "ms", detail=True)
        emit(f"{prefix}_dispatch_to_start_p50_ms", t["d2s50"], "ms", detail=True)
        emit(f"{prefix}_dispatch_to_start_p99_ms", t["d2s99"], "ms", detail=True)
        emit(f"{prefix}_run_p50_ms", t["run50"], "ms", detail=True)
        emit(f"{prefix}_run_p99_ms", t["run99"], "ms", detail=True)

    def api(self) -> None:
        keys = self.make_tenants()
        port = self.start_web_and_relay()
        # Warm up: connections, pools, prepared statements, in every process.
        warm, _ = self.post_jobs(port, keys, 16 * CLIENT_THREADS)
        self.wait_finished(warm, "warm-up jobs finished")

        meter = self.meter("worker", "web", "relay")
        t_first = time.time()
        ids, latencies = self.post_jobs(port, keys, self.m)
        posted = time.time()
        self.wait_finished(ids, "API jobs finished")
        usage = meter.stop()
        latencies.sort()
        emit("api_posts_per_s", len(ids) / (posted - t_first), "req/s", detail=True)
        emit("api_post_latency_p50_ms", (percentile(latencies, 0.5) or 0) * 1000, "ms", detail=True)
        emit(
            "api_post_latency_p99_ms", (percentile(latencies, 0.99) or 0) * 1000, "ms", detail=True
        )
        self.report("api_invalidate", self.timings(ids, t_first), ">= 1000")
        self.emit_cpu("api_invalidate", usage, len(ids))

        # The same path below saturation: latency without a backlog.
        rate, total = PACED_API_RATE, self.m // 6
        t_first = time.time()
        ids, _ = self.post_jobs(port, keys, total, rate=rate)
        self.wait_finished(ids, "paced API jobs finished")
        self.report(f"api_invalidate_paced{rate}", self.timings(ids, t_first), None, brief=True)

        # Many jobs a request (POST /jobs/bulk): what the API's per-request cost leaves.
        posts = max(self.m * 4 // API_BULK_JOBS, CLIENT_THREADS)
        warm, _ = self.post_jobs(port, keys, CLIENT_THREADS, bulk=API_BULK_JOBS)
        self.wait_finished(warm, "warm-up bulk jobs finished")
        meter = self.meter("worker", "web", "relay")
        t_first = time.time()
        ids, latencies = self.post_jobs(port, keys, posts, bulk=API_BULK_JOBS)
        self.wait_finished(ids, "bulk API jobs finished")
        usage = meter.stop()
        latencies.sort()
        prefix = f"api_bulk{API_BULK_JOBS}_invalidate"
        emit(f"{prefix}_post_latency_p50_ms", (percentile(latencies, 0.5) or 0) * 1000, "ms",
             detail=True)  # fmt: skip
        self.report(prefix, self.timings(ids, t_first), ">= 1000")
        self.emit_cpu(prefix, usage, len(ids))

    # ------------------------------------------------------------------ 4b. no-op, staged
    def staged_noop(self, prefix: str, total: int, rate: float | None = None) -> None:
        """``total`` no-op jobs, each staged in its own transaction, from STAGER_THREADS
        threads as fast as they go or paced at ``rate`` per second in all."""
        from bench.support.noop_actors import noop
        from core.queueing.outbox import stage
        from models.db import session_scope

        ids: list[str] = []
        lock = threading.Lock()
        errors: list[str] = []
        start = threading.Barrier(STAGER_THREADS)

        def stager(k: int) -> None:
            share = total // STAGER_THREADS + (1 if k < total % STAGER_THREADS else 0)
            mine = []
            start.wait()
            t_start = time.perf_counter()
            try:
                for i in range(share):
                    if rate:
                        pause = t_start + (i * STAGER_THREADS + k) / rate - time.perf_counter()
                        if pause > 0:
                            time.sleep(pause)
                    with session_scope(self.sessions) as s:
                        mine.append(str(stage(s, noop, job_type="bench.noop", org_id=None)))
            except Exception as exc:
                errors.append(repr(exc))
            with lock:
                ids.extend(mine)

        threads = [threading.Thread(target=stager, args=(k,)) for k in range(STAGER_THREADS)]
        meter = self.meter("worker", "relay")
        t_first = time.time()
        for th in threads:
            th.start()
        for th in threads:
            th.join(self.timeout(120))
        staged = time.time()
        if errors:
            raise RuntimeError(f"{len(errors)} staging errors, first: {errors[0]}")
        self.wait_finished(ids, "staged no-op jobs finished")
        usage = meter.stop()
        if rate:
            self.report(prefix, self.timings(ids, t_first), None, brief=True)
            return
        # The rate is bounded by this process staging (SQLAlchemy, GIL), not by the stack.
        emit(f"{prefix}_stage_txn_per_s", len(ids) / (staged - t_first), "txn/s", detail=True)
        self.report(prefix, self.timings(ids, t_first), None)
        self.emit_cpu(prefix, usage, len(ids))

    # ------------------------------------------------------------------ 5. quiet system
    def quiet(self, count: int = QUIET_JOBS, gap: float = QUIET_GAP_S) -> None:
        """``count`` no-op jobs staged one at a time, ``gap`` seconds apart, on an idle stack."""
        from bench.support.noop_actors import noop
        from core.queueing.outbox import stage
        from models.db import session_scope

        assert self.pg is not None
        committed: dict[str, float] = {}
        time.sleep(2.0)  # let every consumer back off to its longest poll interval
        for _ in range(count):
            with session_scope(self.sessions) as s:
                job_id = str(stage(s, noop, job_type="bench.noop", org_id=None))
            committed[job_id] = time.time()
            self.wait_finished([job_id], "quiet job finished", poll_s=0.02)
            time.sleep(gap)
        rows = self.pg.execute(
            "SELECT id::text, extract(epoch FROM started_at),"
            " extract(epoch FROM dispatched_at) FROM jobs WHERE id = ANY(%s::uuid[])",
            (list(committed),),
        ).fetchall()
        c2s = sorted((float(r[1]) - committed[r[0]]) * 1000 for r in rows)
        self.quiet_c2s = c2s
        self.quiet_rows = [(r[0], committed[r[0]], float(r[2]), float(r[1])) for r in rows]
        c2d = sorted((float(r[2]) - committed[r[0]]) * 1000 for r in rows)
        target = {0.5: "<= 2", 0.99: "<= 10"}
        for q, name in ((0.5, "p50"), (0.9, "p90"), (0.99, "p99")):
            emit(f"quiet_commit_to_start_{name}_ms", percentile(c2s, q), "ms", target.get(q))
        emit("quiet_commit_to_start_max_ms", c2s[-1], "ms")
        emit("quiet_commit_to_dispatch_p50_ms", percentile(c2d, 0.5), "ms", detail=True)
        emit("quiet_commit_to_dispatch_p99_ms", percentile(c2d, 0.99), "ms", detail=True)
        d2s = sorted((float(r[1]) - float(r[2])) * 1000 for r in rows)
        emit("quiet_dispatch_to_start_p50_ms", percentile(d2s, 0.5), "ms", detail=True)

    def run_only(self, figure: str) -> None:
        """One figure alone: quiet or paced no-op jobs (worker and relay), relay, or the API."""
        from core.queueing.broker import configure
        from core.settings import Settings
        from models.db import make_engine, make_sessionmaker

        emit("machine_loadavg_1m_at_start", os.getloadavg()[0], "runnable", "<= 0.5 (quiet)")
        self.setup()
        if figure == "relay":
            self.init_stack()
            for _ in range(3):  # the spread of a few rounds, each N staged then relayed
                self.reset()
                self.stage_and_relay()
            return
        if figure == "drain":
            self.ours()
            return
        if figure == "api":
            self.init_stack()
            argv = self.worker_argv("worker.entry:setup", "bench.support.noop_actors")
            self.procs.start("worker", argv, self.env)
            note(f"API: {self.m} POST /api/v1/jobs cache.invalidate")
            self.api()
            return
        self.settings = Settings.from_env()
        self.broker = configure(self.settings)
        self.engine = make_engine(self.settings.database.url, pool_size=2)
        self.sessions = make_sessionmaker(self.engine)
        modules = ["worker.entry:setup", "bench.support.noop_actors"]
        if self.probe_dir is not None:
            modules.append("bench.support.quiet_probe")
        self.procs.start("worker", self.worker_argv(*modules), self.env)
        self.procs.start(
            "relay", [sys.executable, str(ROOT / "bench/support/relay_proc.py")], self.env
        )
        # Warm up every process (imports, pools, prepared statements) before measuring.
        self.staged_noop("quiet_warmup", 64)
        if figure == "paced":
            total = self.m // 3
            note(f"no-op jobs paced at {PACED_NOOP_RATE}/s: {total}")
            self.staged_noop(f"noop_staged_paced{PACED_NOOP_RATE}", total, PACED_NOOP_RATE)
            return
        note(f"quiet system: {QUIET_JOBS} no-op jobs {QUIET_GAP_S}s apart")
        self.quiet()
        if self.probe_dir is not None:
            self.report_probe(self.probe_dir)

    def report_probe(self, directory: Path) -> None:
        """The quiet jobs' path, step by step (p50 and p90 of each step, in ms)."""
        from bench.support.quiet_probe import read_all

        time.sleep(0.5)  # the probes' flushers write every 0.2 s
        events = read_all(directory)
        steps = (
            "commit",
            "dispatch",
            "pub0",
            "pub1",
            "heard",
            "next",
            "f0",
            "f1",
            "fetched",
            "deq",
            "lq",
            "wx",
            "start",
            "go",
        )
        spans: dict[str, list[float]] = {}
        for job_id, commit, dispatch, start in self.quiet_rows:
            at = {**events.get(job_id, {}), "commit": commit, "dispatch": dispatch, "start": start}
            pairs = [*itertools.pairwise(steps), ("pub1", "rc"), ("rc", "go"), ("commit", "go")]
            for a, b in pairs:
                if a in at and b in at:
                    spans.setdefault(f"{a}_to_{b}", []).append((at[b] - at[a]) * 1000)
        for name, values in spans.items():
            values.sort()
            emit(f"quiet_probe_{name}_p50_ms", percentile(values, 0.5), "ms")
            emit(f"quiet_probe_{name}_p90_ms", percentile(values, 0.9), "ms")

    def run(self) -> None:
        emit("machine_loadavg_1m_at_start", os.getloadavg()[0], "runnable", "<= 0.5 (quiet)")
        self.setup()
        note(f"bare Dramatiq: {self.n} no-op jobs")
        self.bare()
        self.deadline.check("bare")
        note(f"our stack: stage, relay, drain {self.n} no-op jobs")
        self.ours()
        self.deadline.check("ours")
        note(f"API: {self.m} POST /api/v1/jobs cache.invalidate")
        self.api()
        self.deadline.check("api")
        note(f"no-op jobs staged in single-row transactions: {self.m}")
        self.staged_noop("noop_staged", self.m)
        self.deadline.check("noop")
        note(f"no-op jobs paced at {PACED_NOOP_RATE}/s: {self.m // 3}")
        self.staged_noop(f"noop_staged_paced{PACED_NOOP_RATE}", self.m // 3, PACED_NOOP_RATE)
        self.deadline.check("paced")
        note(f"quiet system: {QUIET_JOBS} no-op jobs {QUIET_GAP_S}s apart")
        self.quiet()
        # Other processes on this machine (not ours) competed for the 2 cores this much.
        emit("not_ours_cpu_cores_avg", self.not_ours_s / self.metered_s, "cores", "~0 (quiet)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N=2,000 and M=500")
    parser.add_argument(
        "--only",
        choices=["quiet", "paced", "relay", "api", "drain"],
        help=f"one figure alone: quiet (commit->start, idle), paced ({PACED_NOOP_RATE}/s), "
        "relay (N staged, then relayed, three times), api (POST /jobs to succeeded) or drain "
        "(our stack's drain of N no-op jobs, no bare run)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep subprocess logs")
    parser.add_argument(
        "--detail", action="store_true", help="also print breakdowns (CPU per job, latency split)"
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="with --only quiet: time each step of a job's path (bench/support/quiet_probe.py)",
    )
    args = parser.parse_args()
    if args.detail:
        show_detail()
    n, m = (2_000, 500) if args.quick else (20_000, 3_000)

    def on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    log_dir = Path(tempfile.mkdtemp(prefix="saleshub-bench-"))
    bench = Bench(n, m, log_dir, probe=args.probe)
    ok = False
    try:
        if args.only:
            bench.run_only(args.only)
        else:
            bench.run()
        ok = True
    finally:
        bench.teardown()
        if ok and not args.keep_logs:
            shutil.rmtree(log_dir)
        else:
            note(f"subprocess logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
