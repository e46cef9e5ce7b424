"""Noisy neighbour: org B's latency while org A floods, against a quiet baseline in the same run.

Run as ``.venv/bin/python bench/fairness.py [--quick]``; prints one JSON object per figure.

The stack as ``make run`` starts it (gunicorn web, the worker pool, the gevent delivery
pool, the relay), on its own PostgreSQL database (``saleshub_bench``) and Redis database
(``BENCH_REDIS_DB``, default 4, namespace ``bench_fair``), all on 127.0.0.1. Org B's
ordinary traffic, both phases: a default-queue job staged in its own transaction every
100 ms (commit, client clock, to ``started_at``) and API calls (a list and a create) from
two threads. Phase 1 (quiet): B alone. Phase 2 (flood): org A also has 10,000 bulk jobs
queued (20 ms each), 200 webhooks to a loopback endpoint that answers after 10 s, and 5
``analytics.rollup`` requests a second. Target: B's p50 and p99 within 2x the quiet ones.
The machine is shared: the load average at start and end is printed with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    ROOT,
    CpuMeter,
    Processes,
    bench_stack,
    emit,
    flush_namespace,
    free_port,
    load_env,
    note,
    percentile,
    show_detail,
    wait_until,
)

load_env()

import psycopg  # noqa: E402
import redis  # noqa: E402

NS = "bench_fair"
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "saleshub_bench")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "4"))
TABLES = (
    "jobs, webhook_deliveries, webhook_endpoints, analytics_snapshots, idempotency_keys,"
    " companies, api_keys, users, organizations"
)
SINK_DELAY_S = 10.0
JOB_EVERY_S = 0.1
API_THREADS = 2


class SlowSink:
    """A loopback webhook receiver that answers every request after ``SINK_DELAY_S``."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.seen = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.seen += 1
                    sink.in_flight += 1
                    sink.max_in_flight = max(sink.max_in_flight, sink.in_flight)
                sink.stop.wait(SINK_DELAY_S)
                with sink.lock:
                    sink.in_flight -= 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


class Bench:
    def __init__(self, phase_s: float, log_dir: Path, *, server_timing: bool = False) -> None:
        self.phase_s = phase_s
        self.procs = Processes(log_dir)
        self.server_timing = server_timing
        stack = bench_stack(
            NS,
            BENCH_DB,
            REDIS_DB,
            ACCESS_LOG="0",
            WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
            WEBHOOK_MAX_PER_ORG="5",
            # Org B's measured traffic (about 30 calls a second) stays under its limits; org
            # A's rollup requests meet the default job-creation limit, as they would.
            RATE_LIMIT_READS="6000/minute",
            RATE_LIMIT_WRITES="3000/minute",
        )
        self.broker_url, self.cache_url = stack.broker_url, stack.cache_url
        self.database_url, self.env = stack.database_url, stack.env
        self.redis = redis.Redis.from_url(self.broker_url)
        self.pg: psycopg.Connection[Any] | None = None
        self.sink = SlowSink()
        self.split: tuple[list[float], list[float]] = ([], [])

    @property
    def pg_dsn(self) -> str:
        return self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def setup(self) -> None:
        import subprocess

        admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            if (
                conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone()
                is None
            ):
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=self.env,
            check=True, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "BROKER_URL", "CACHE_URL")})
        os.environ["BROKER_NAMESPACE"] = NS
        self.pg = psycopg.connect(self.pg_dsn, autocommit=True)
        self.reset()
        from core.queueing.broker import configure
        from core.settings import Settings
        from models.db import make_engine, make_sessionmaker

        self.settings = Settings.from_env(env=self.env)
        self.broker = configure(self.settings)
        self.sessions = make_sessionmaker(make_engine(self.settings.database.url, pool_size=4))

    def reset(self) -> None:
        assert self.pg is not None
        self.pg.execute(f"TRUNCATE {TABLES} CASCADE")
        flush_namespace(self.redis, NS)
        flush_namespace(self.redis, "saleshub")

    def teardown(self) -> None:
        self.procs.stop_all()
        self.sink.close()
        try:
            if self.pg is not None and not self.pg.closed:
                self.reset()
                self.pg.close()
        except Exception as exc:  # cleanup must not hide the real error
            note(f"cleanup failed: {exc!r}")

    def start_stack(self) -> int:
        port = free_port()
        py = sys.executable
        self.procs.start("web", [py, "-m", "gunicorn", "--worker-class", "gthread",
                                 "--workers", "2", "--threads", "8", "--bind",
                                 f"127.0.0.1:{port}", "--no-control-socket",
                                 "web:create_app(websockets=False)"], self.web_env())  # fmt: skip
        self.procs.start("worker", [py, "-m", "worker", "bench.support.fair_actors"], self.env)
        self.procs.start("delivery", [py, "-m", "worker", "--pool", "delivery"], self.env)
        self.procs.start("relay", [py, str(ROOT / "bench/support/relay_proc.py")], self.env)

        def healthy() -> bool:
            for name in ("web", "worker", "delivery", "relay"):
                if not self.procs.alive(name):
                    raise RuntimeError(f"{name} died:\n{self.procs.tail(name)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/health")
                ok = conn.getresponse().status == 200
                conn.close()
                return ok
            except OSError:
                return False

        wait_until(healthy, timeout=60, interval=0.2, what="stack healthy")
        return port

    def tenants(self) -> tuple[tuple[int, str], tuple[int, str]]:
        from models import Organization, User
        from models.db import session_scope
        from web.auth import mint_key

        out = []
        with session_scope(self.sessions) as s:
            for name in ("A", "B"):
                org = Organization(name=f"bench-fair-{name}")
                s.add(org)
                s.flush()
                user = User(org_id=org.id, email=f"fair{name}@bench.local", role="admin")
                s.add(user)
                s.flush()
                out.append((org.id, mint_key(s, user)))
        return out[0], out[1]

    # ------------------------------------------------------------------ org B's traffic
    def b_traffic(
        self, port: int, org_b: int, key: str, seconds: float
    ) -> tuple[list[float], list[float]]:
        """B's jobs (commit -> start, ms) and API calls (ms) for ``seconds``.

        ``self.split`` gets the same jobs' commit -> dispatch (the relay) and dispatch ->
        start (broker, worker) times, ms.
        """
        from bench.support.fair_actors import fair_noop
        from core.queueing.outbox import stage
        from models.db import session_scope

        stop = time.monotonic() + seconds
        api_ms: list[float] = []
        lock = threading.Lock()

        def api_client(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            i = 0
            while time.monotonic() < stop:
                i += 1
                if i % 4:
                    method, path, body = "GET", "/api/v1/companies?limit=20", None
                else:
                    method, path = "POST", "/api/v1/companies"
                    body = json.dumps({"name": f"b-{n}-{i}-{time.time_ns()}"})
                t = time.perf_counter()
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                with lock:
                    api_ms.append((time.perf_counter() - t) * 1000)
                time.sleep(0.05)
            conn.close()

        threads = [threading.Thread(target=api_client, args=(n,)) for n in range(API_THREADS)]
        for t in threads:
            t.start()
        committed: dict[str, float] = {}
        while time.monotonic() < stop:
            with session_scope(self.sessions) as s:
                job_id = str(stage(s, fair_noop, job_type="bench.fair_noop", org_id=org_b))
            committed[job_id] = time.time()
            time.sleep(JOB_EVERY_S)
        for t in threads:
            t.join()
        assert self.pg is not None
        wait_until(
            lambda: self.pg.execute(  # type: ignore[union-attr]
                "SELECT count(*) FROM jobs WHERE id = ANY(%s::uuid[]) AND started_at IS NULL",
                (list(committed),),
            ).fetchone()[0] == 0,
            timeout=60, interval=0.1, what="org B's jobs started",
        )  # fmt: skip
        rows = self.pg.execute(
            "SELECT id::text, extract(epoch FROM started_at), extract(epoch FROM dispatched_at)"
            " FROM jobs WHERE id = ANY(%s::uuid[])",
            (list(committed),),
        ).fetchall()
        c2s = sorted((float(r[1]) - committed[r[0]]) * 1000 for r in rows)
        self.split = (
            sorted((float(r[2]) - committed[r[0]]) * 1000 for r in rows),
            sorted((float(r[1]) - float(r[2])) * 1000 for r in rows),
        )
        return c2s, sorted(api_ms)

    def web_env(self) -> dict[str, str]:
        """The web's environment: with ``--server-timing``, one access-log line a request."""
        if not self.server_timing:
            return self.env
        return {**self.env, "ACCESS_LOG": "1", "LOG_LEVEL": "INFO"}

    def web_log_at(self) -> int:
        """Where the web log ends now."""
        path = self.procs.log_dir / "web.log"
        return path.stat().st_size if path.exists() else 0

    def server_ms(self, start: int) -> list[float]:
        """Org B's API calls as the web timed them (access log from ``start``), sorted."""
        if not self.server_timing:
            return []
        with (self.procs.log_dir / "web.log").open("rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
        found = re.findall(r"(?:GET|POST) /api/v1/companies\S* \d{3} ([0-9.]+)ms", text)
        return sorted(float(ms) for ms in found)

    def meter(self) -> CpuMeter:
        """A started CPU meter over the stack's processes, PostgreSQL and Redis."""
        redis_addr = self.broker_url.split("://", 1)[1].rpartition("@")[2].split("/")[0]
        meter = CpuMeter(
            {name: self.procs.procs[name].pid for name in ("web", "relay")},
            {
                # The pools' supervisors start Dramatiq in sessions of its own.
                "worker": "--queues critical",
                "worker_bulk": "--queues bulk",
                "delivery": "worker.gevent_main",
                "postgres": f" {BENCH_DB} ",
                "redis": f"redis-server {redis_addr}",
            },
        )
        meter.start()
        return meter

    # ------------------------------------------------------------------ org A's flood
    def flood(self, port: int, org_a: int, key: str, stop: threading.Event) -> None:
        from bench.support.common import pipelined_enqueue
        from bench.support.fair_actors import fair_bulk
        from core.notify import webhooks
        from core.queueing.status_feed import ORG_OPTION
        from jobs import notify_channels
        from models.db import session_scope

        # 10,000 bulk jobs straight into the broker (as a relay burst would put them).
        pipelined_enqueue(
            self.broker,
            (fair_bulk.message_with_options(**{ORG_OPTION: org_a}) for _ in range(10_000)),
        )
        with session_scope(self.sessions) as s:
            webhooks.register(s, org_a, self.sink.url, ["*"], self.settings)
        with session_scope(self.sessions) as s:
            for n in range(200):
                webhooks.emit(
                    s, org_id=org_a, event_key=f"flood:{n}", event_type="deal.won",
                    payload={"n": n}, actor=notify_channels.webhook,
                )  # fmt: skip

        def rollups() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            while not stop.wait(0.2):
                conn.request(
                    "POST", "/api/v1/jobs", body='{"type": "analytics.rollup"}', headers=headers
                )
                conn.getresponse().read()
            conn.close()

        threading.Thread(target=rollups, daemon=True).start()

    def run(self) -> None:
        load_start = os.getloadavg()[0]
        self.setup()
        port = self.start_stack()
        (org_a, key_a), (org_b, key_b) = self.tenants()
        note(f"phase 1: org B alone for {self.phase_s:.0f} s")
        self.b_traffic(port, org_b, key_b, 3.0)  # warm-up, not counted
        meter, at = self.meter(), self.web_log_at()
        quiet_c2s, quiet_api = self.b_traffic(port, org_b, key_b, self.phase_s)
        quiet_cpu, quiet_split = meter.stop(), self.split
        quiet_server = self.server_ms(at)
        note(f"phase 2: org A floods while org B runs the same traffic for {self.phase_s:.0f} s")
        stop = threading.Event()
        self.flood(port, org_a, key_a, stop)
        time.sleep(2.0)  # the flood under way
        meter, at = self.meter(), self.web_log_at()
        flood_c2s, flood_api = self.b_traffic(port, org_b, key_b, self.phase_s)
        flood_cpu, flood_split = meter.stop(), self.split
        flood_server = self.server_ms(at)
        stop.set()
        bulk_left = self.redis.hlen(f"{NS}:bulk.msgs")
        fair = self.redis.hgetall(f"{NS}:fair:deferrals:worker")
        for name, q in (("p50", 0.5), ("p99", 0.99)):
            emit(f"org_b_commit_to_start_{name}_ms", percentile(flood_c2s, q), "ms",
                 "<= 2x quiet", percentile(quiet_c2s, q))  # fmt: skip
        emit("org_b_api_p99_ms", percentile(flood_api, 0.99), "ms", "<= 2x quiet",
             percentile(quiet_api, 0.99))  # fmt: skip
        emit("org_b_api_p50_ms", percentile(flood_api, 0.5), "ms", None, percentile(quiet_api, 0.5))
        emit("org_b_jobs_measured", len(flood_c2s), "jobs", None, len(quiet_c2s))
        emit("org_b_api_calls_measured", len(flood_api), "calls", None, len(quiet_api))
        for part, flood_ms, quiet_ms in zip(
            ("commit_to_dispatch", "dispatch_to_start"), flood_split, quiet_split, strict=True
        ):
            for name, q in (("p50", 0.5), ("p99", 0.99)):
                emit(f"org_b_{part}_{name}_ms", percentile(flood_ms, q), "ms", None,
                     percentile(quiet_ms, q), detail=True)  # fmt: skip
        if self.server_timing:
            for name, q in (("p50", 0.5), ("p99", 0.99)):
                emit(f"org_b_api_server_{name}_ms", percentile(flood_server, q), "ms", None,
                     percentile(quiet_server, q), detail=True)  # fmt: skip
        for name in flood_cpu:
            if name != "wall":
                emit(f"cpu_cores_{name}", flood_cpu[name] / flood_cpu["wall"], "cores", None,
                     quiet_cpu[name] / quiet_cpu["wall"], detail=True)  # fmt: skip
        emit("org_a_bulk_jobs_left_at_phase_end", bulk_left, "jobs")
        emit("org_a_bulk_deferrals", sum(int(v) for v in fair.values()), "deferrals")
        emit("org_a_webhook_calls_at_once_max", self.sink.max_in_flight, "requests",
             "<= WEBHOOK_MAX_IN_FLIGHT (4)")  # fmt: skip
        emit("org_a_webhook_calls_total", self.sink.seen, "requests")
        emit("machine_loadavg_1m_at_start", load_start, "runnable", "<= 0.5 (quiet)")
        emit("machine_loadavg_1m_at_end", os.getloadavg()[0], "runnable")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s phases instead of 30 s")
    parser.add_argument("--phase-s", type=float, help="seconds per phase (default 30)")
    parser.add_argument("--detail", action="store_true", help="also the breakdown figures")
    parser.add_argument(
        "--server-timing", action="store_true", help="also B's API times as the web saw them"
    )
    args = parser.parse_args()
    if args.detail:
        show_detail()
    log_dir = Path(tempfile.mkdtemp(prefix="saleshub-bench-fair-"))
    bench = Bench(
        args.phase_s or (10.0 if args.quick else 30.0), log_dir, server_timing=args.server_timing
    )
    try:
        bench.run()
    finally:
        bench.teardown()
        note(f"subprocess logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
