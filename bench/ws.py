"""WebSocket hub and ops API: fan-out latency, memory per socket, ``/api/v1/ops/queues`` cost.

Run as ``.venv/bin/python bench/ws.py [--quick]``; prints one JSON object per figure.

Isolation: its own ``redis-server`` (a free loopback port, no persistence, ``noeviction``;
database 0 is the broker, 1 the cache), stopped at the end, so neither the shared Redis
nor its pub/sub is touched; its own PostgreSQL database ``saleshub_bench_ws`` (created and
migrated if missing; the rows it adds are removed before and after). Everything binds to
127.0.0.1; every subprocess is stopped at the end, even on error.

Figures:
  1. publish -> receive latency: one gunicorn worker serving ``web:create_app()``, gevent as
     the realtime process runs it (``--server gthread``: the web process's old way);
     100, 1,000 and 10,000 sockets (``bench/support/ws_clients.py``: asyncio, a minimal
     RFC 6455 client, in two processes) subscribed to the org's ``jobs`` channel;
     the bench publishes timestamped events with ``core.channels.publish`` every 50 ms
     (at 10,000 sockets every 500 ms: 20,000 frames a second, ``FRAMES_PER_S``) and
     every socket's receive time minus the frame's ``ts`` is one sample. Before that, one
     lone event on the idle hub: how long until the last socket has it.
  2. memory per socket: the worker's VmRSS with N sockets minus its VmRSS with
     ``WARM_SOCKETS`` (10) open, over N - 10 (the first socket starts the hub's loops and
     connections once: not a socket's cost); the marginal figure between levels as a
     detail; and the worker's CPU with N idle sockets (nothing published).
     ``--client-procs K`` spreads the sockets over K client processes (see
     ``ws_fanout_client_cpu_*``). The bench takes the hard open-files limit for itself and
     its children (10,000 sockets).
  2b. REST beside sockets: a second gunicorn, gthread ``web:create_app(websockets=False)``
     as the Procfile's web process (its own process: it shares only the CPU, Redis and
     PostgreSQL with the realtime worker); p99 of ``REST_CALLS`` sequential
     ``GET /api/v1/contacts?limit=1`` with 1,000 idle sockets open on the realtime worker
     over the same with none, in the same run: "none" is the mean of a window before the
     first socket and one after the last closed. Each window starts once the realtime
     worker and the client processes are idle (the handshakes done), so it times what idle
     sockets cost, not the load generator's work; the REST process is warmed first
     (``REST_WARMUP_CALLS``), and the rate limiter is off (the calls would get 429).
  ``--profile-memory``: tracemalloc in the realtime worker; what each level allocated, by
     line (slows it: use for where the memory goes, not for the figures).
  3. ``GET /api/v1/ops/queues`` with 10,000 dead letters and 1,000,000 ready messages
     written in Dramatiq's key layout, through the Flask test client in-process and over
     HTTP to the same gunicorn worker; the empty-broker time is the baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.common import (
    ROOT,
    CpuMeter,
    Deadline,
    Processes,
    emit,
    free_port,
    load_env,
    note,
    percentile,
    show_detail,
    wait_until,
    with_pg_db,
)

load_env()

import psycopg  # noqa: E402
import redis  # noqa: E402

BUDGET_S = 900.0
BENCH_DB = os.environ.get("BENCH_WS_DATABASE_NAME", "saleshub_bench_ws")
TABLES = "audit_log, api_keys, users, organizations"  # TRUNCATE ... CASCADE
NAMESPACE = "dramatiq"
EVENT_GAP_S = 0.05
# Past 1,000 sockets events are spaced so that frames stay at this rate: 20 events a second
# to 10,000 sockets would be 200,000 frames a second, more than two shared cores can send
# (a loopback send is ~5 us of kernel time alone) or the Python clients can read.
FRAMES_PER_S = 20_000
COLLECT_S = 15.0  # after the last publish, how long sockets may take to get every event
EXTRA_THREADS = 64
# publish -> receive p99 targets (ms) per number of sockets, on the 2-core machine.
LATENCY_TARGETS_MS = {1000: 100, 10_000: 500}
RSS_TARGET_KB = 30
REST_RATIO_TARGET = 1.5
REST_SOCKETS = 1000  # REST p99 with this many sockets open, over REST p99 with none
REST_CALLS = 1000
REST_WARMUP_CALLS = 300
# Sockets opened before the baseline RSS and kept open: the first socket starts the hub's
# loops, its Redis and database connections and imports, a one-time cost, not a socket's.
WARM_SOCKETS = 10
REST_PATH = "/api/v1/contacts?limit=1"
OPS_TARGET_MS = 50


def raise_fd_limit() -> None:
    """10,000 sockets need more descriptors than the usual soft limit: take the hard one
    (the server and client processes inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    note(f"open files limit {hard}")


# ---------------------------------------------------------------------- /proc helpers
def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def threads_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as f:
        raw = f.read().decode(errors="replace")
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                raw = f.read().decode(errors="replace")
        except OSError:
            continue
        if int(raw[raw.rindex(")") + 2 :].split()[1]) == pid:
            out.append(int(entry))
    return out


def pct(values: list[float], q: float) -> float:
    return percentile(values, q) or 0.0


# ---------------------------------------------------------------------- client processes
class ClientProc:
    """One ``ws_clients.py`` process: JSON commands in, JSON answers out."""

    def __init__(self, procs: Processes, name: str, port: int, key: str, log_dir: Path) -> None:
        log = (log_dir / f"{name}.log").open("wb")
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench/support/ws_clients.py"), "127.0.0.1", str(port)],
            cwd=ROOT,
            env={**os.environ, "BENCH_WS_KEY": key},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        procs.procs[name] = self.proc  # stopped with the others, even on error
        self.answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, name=f"{name}-reader", daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.answers.put(json.loads(line))
        self.answers.put(None)

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()

    def answer(self, timeout: float) -> dict[str, Any]:
        try:
            got = self.answers.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.name}: no answer within {timeout:.0f}s") from None
        if got is None:
            raise RuntimeError(f"{self.name} exited (rc={self.proc.poll()}); see its log")
        return got


class Bench:
    def __init__(
        self, quick: bool, client_procs: int, log_dir: Path, server: str = "gevent"
    ) -> None:
        self.quick = quick
        self.server = server
        self.skip_ops = False
        self.profile = False
        self.levels = (100, 1000) if quick else (100, 1000, 10_000)
        self.events = 20 if quick else 50
        self.ready_n = 100_000 if quick else 1_000_000
        self.dead_n = 1_000 if quick else 10_000
        self.calls = 20 if quick else 50
        self.deadline = Deadline(BUDGET_S)
        self.log_dir = log_dir
        self.procs = Processes(log_dir)
        self.clients: list[ClientProc] = []
        self.n_client_procs = client_procs
        self.database_url = with_pg_db(os.environ["DATABASE_URL"], BENCH_DB)
        self.pg: psycopg.Connection[Any] | None = None
        self.redis_port = 0
        self._broker: redis.Redis | None = None
        self.web_port = 0
        self.rest_port = 0
        self.worker_pid = 0
        self.env: dict[str, str] = {}
        self.key = ""
        self.org_id = 0
        self.not_ours_s = 0.0
        self.metered_s = 0.0

    def timeout(self, seconds: float) -> float:
        return max(1.0, min(seconds, self.deadline.left()))

    @property
    def broker(self) -> redis.Redis:
        assert self._broker is not None
        return self._broker

    @property
    def pg_dsn(self) -> str:
        return self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    # ------------------------------------------------------------------ setup / teardown
    def start_redis(self) -> None:
        binary = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
        if binary is None:
            raise SystemExit("bench: redis-server not found (set REDIS_SERVER)")
        self.redis_port = free_port()
        data_dir = self.log_dir / "redis"
        data_dir.mkdir()
        argv = [binary, "--bind", "127.0.0.1", "--port", str(self.redis_port)]
        argv += ["--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"]
        argv += ["--dir", str(data_dir), "--protected-mode", "yes", "--loglevel", "warning"]
        self.procs.start("redis", argv, dict(os.environ))
        self._broker = redis.Redis(host="127.0.0.1", port=self.redis_port, db=0)

        def up() -> bool:
            if not self.procs.alive("redis"):
                raise RuntimeError(f"redis-server died:\n{self.procs.tail('redis')}")
            try:
                return bool(self.broker.ping())
            except redis.ConnectionError:
                return False

        wait_until(up, timeout=10, interval=0.05, what="private redis-server up")

    def setup_db(self) -> None:
        admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,))
            if exists.fetchone() is None:
                note(f"creating database {BENCH_DB}")
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        done = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env=self.env,
            timeout=60,
            capture_output=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"alembic upgrade head failed:\n{done.stderr.decode()[-2000:]}")
        self.pg = psycopg.connect(self.pg_dsn, autocommit=True)
        self.pg.execute(f"TRUNCATE {TABLES} CASCADE")

    def make_operator(self) -> None:
        from models import Organization, User
        from models.db import make_engine, make_sessionmaker, session_scope
        from web.auth import mint_key

        engine = make_engine(self.database_url, pool_size=1)
        try:
            with session_scope(make_sessionmaker(engine)) as s:
                org = Organization(name="bench-ws-org")
                s.add(org)
                s.flush()
                user = User(org_id=org.id, email="operator@bench-ws.local", role="operator")
                s.add(user)
                s.flush()
                self.key = mint_key(s, user)
                self.org_id = org.id
        finally:
            engine.dispose()

    def setup(self) -> None:
        self.start_redis()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "BROKER_NAMESPACE": NAMESPACE,
            "LOG_LEVEL": "WARNING",
            # One key opens every socket: lift the realtime caps past what the bench opens.
            "WS_MAX_PER_USER": "100000",
            "WS_MAX_PER_ORG": "100000",
            "WS_INBOUND_PER_S": "1000",
            "WS_INBOUND_BURST": "1000",
            # The REST figure makes ~1,600 reads on one key within a minute, past the
            # per-key limit (1,200/minute): the bench's calls would get 429.
            "RATE_LIMIT_ENABLED": "0",
        }
        self.setup_db()
        self.make_operator()

    def teardown(self) -> None:
        for c in self.clients:
            try:
                if c.proc.poll() is None:
                    c.send(op="close")
                    c.answer(10)
            except Exception as exc:  # cleanup must not hide the real error
                note(f"closing {c.name}: {exc!r}")
        for c in self.clients:
            self.procs.stop(c.name, timeout=5)
        self.procs.stop("web", timeout=10)
        self.procs.stop("rest", timeout=10)
        if self._broker is not None:
            self._broker.close()
        self.procs.stop("redis", timeout=10)
        try:
            if self.pg is not None and not self.pg.closed:
                self.pg.execute(f"TRUNCATE {TABLES} CASCADE")
                self.pg.close()
        except Exception as exc:
            note(f"database cleanup failed: {exc!r}")
        self.procs.stop_all()

    # ------------------------------------------------------------------ gunicorn
    def start_web(self) -> None:
        self.web_port = free_port()
        threads = max(self.levels) + EXTRA_THREADS
        argv = [sys.executable, "-m", "gunicorn", "--worker-class", self.server]
        argv += ["--workers", "1"]
        if self.server == "gthread":
            argv += ["--threads", str(threads)]
        # gthread counts an open websocket as a connection: let all of them in.
        argv += ["--worker-connections", str(threads + 200), "--backlog", "2048"]
        argv += ["--timeout", "120", "--graceful-timeout", "5", "--no-control-socket"]
        env = self.env
        if self.profile:
            argv += ["-c", str(ROOT / "bench/support/ws_profile.py")]
            env = {**env, "BENCH_WS_PROFILE": str(self.log_dir / "mem")}
        argv += ["--bind", f"127.0.0.1:{self.web_port}", "web:create_app()"]
        self.procs.start("web", argv, env)

        def healthy() -> bool:
            if not self.procs.alive("web"):
                raise RuntimeError(f"gunicorn died:\n{self.procs.tail('web')}")
            try:
                status, _ = self.http_get("/health")
                return status == 200
            except OSError:
                return False

        wait_until(healthy, timeout=self.timeout(40), interval=0.1, what="gunicorn healthy")
        master = self.procs.procs["web"].pid
        self.worker_pid = wait_until(
            lambda: (children(master) or [0])[0], timeout=10, what="gunicorn worker pid"
        )

    def start_rest(self) -> None:
        """The web process as the Procfile runs it (gthread, no websockets), for REST p99."""
        self.rest_port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1"]
        argv += ["--threads", "4", "--no-control-socket", "--timeout", "120"]
        argv += ["--bind", f"127.0.0.1:{self.rest_port}", "web:create_app(websockets=False)"]
        self.procs.start("rest", argv, self.env)

        def healthy() -> bool:
            if not self.procs.alive("rest"):
                raise RuntimeError(f"gunicorn (rest) died:\n{self.procs.tail('rest')}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.rest_port, timeout=5)
                conn.request("GET", "/health")
                return conn.getresponse().status == 200
            except OSError:
                return False

        wait_until(healthy, timeout=self.timeout(40), interval=0.1, what="rest gunicorn healthy")
        # Warm it once (imports, pools, SQLAlchemy's statement cache, the first code paths),
        # so the first "none open" sample is not a cold process against a warm one later.
        self.rest_samples(REST_WARMUP_CALLS)

    def rest_samples(self, calls: int) -> list[float]:
        """Times (ms, sorted) of ``calls`` sequential ``GET REST_PATH`` on the web process."""
        conn = http.client.HTTPConnection("127.0.0.1", self.rest_port, timeout=10)
        headers = {"Authorization": f"Bearer {self.key}"}
        samples = []
        try:
            for i in range(calls + 20):
                t = time.perf_counter()
                conn.request("GET", REST_PATH, headers=headers)
                resp = conn.getresponse()
                resp.read()
                assert resp.status == 200, resp.status
                if i >= 20:  # the first ones warm the connection
                    samples.append((time.perf_counter() - t) * 1000)
        finally:
            conn.close()
        samples.sort()
        return samples

    def rest_window(self, label: str) -> tuple[float, float]:
        """REST p50 and p99 (ms) now, with the CPU others used meanwhile (a detail figure)."""
        meter = self.meter(rest=True)
        samples = self.rest_samples(REST_CALLS)
        usage = meter.stop()
        emit(f"rest_p50_ms_{label}", pct(samples, 0.5), "ms", detail=True)
        emit(f"rest_p99_ms_{label}", pct(samples, 0.99), "ms", detail=True)
        ours = usage["web"] + sum(usage[c.name] for c in self.clients)
        emit(f"rest_sockets_side_cpu_cores_{label}", ours / usage["wall"], "cores", detail=True)
        others = usage["other"] / usage["wall"]
        emit(f"rest_not_ours_cpu_cores_{label}", others, "cores", detail=True)
        return pct(samples, 0.5), pct(samples, 0.99)

    def http_get(self, path: str, conn: http.client.HTTPConnection | None = None) -> Any:
        own = conn is None
        c = conn or http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=10)
        try:
            c.request("GET", path, headers={"Authorization": f"Bearer {self.key}"})
            resp = c.getresponse()
            return resp.status, resp.read()
        finally:
            if own:
                c.close()

    # ------------------------------------------------------------------ 1 + 2. websocket hub
    def all_clients(self, wait: float, **cmd: Any) -> list[dict[str, Any]]:
        for c in self.clients:
            c.send(**cmd)
        return [c.answer(self.timeout(wait)) for c in self.clients]

    def meter(self, *, rest: bool = False) -> CpuMeter:
        pgids = {"web": self.procs.procs["web"].pid, "redis": self.procs.procs["redis"].pid}
        if rest:
            pgids["rest"] = self.procs.procs["rest"].pid
        for c in self.clients:
            pgids[c.name] = c.proc.pid
        meter = CpuMeter(pgids, {"postgres": f" {BENCH_DB} "})
        meter.start()
        return meter

    def websockets(self) -> None:
        from core import channels

        self.clients = [
            ClientProc(self.procs, f"clients{i}", self.web_port, self.key, self.log_dir)
            for i in range(self.n_client_procs)
        ]
        # Warm the worker (imports, pools) before the baseline RSS.
        for path in ("/health", "/api/v1/ops/queues"):
            for _ in range(3):
                self.http_get(path)
        self.wait_idle()
        # REST with no socket open, before the first (the hub has not started).
        rest0 = self.rest_window("none_before") if self.rest_port else None
        rest_open = None
        self.open_sockets(WARM_SOCKETS)
        time.sleep(1.0)
        rss0, threads0 = rss_kb(self.worker_pid), threads_of(self.worker_pid)
        self.memory_profile("0")
        emit(f"ws_worker_rss_mb_{WARM_SOCKETS}_sockets", rss0 / 1024, "MB", detail=True)
        publisher = redis.Redis(host="127.0.0.1", port=self.redis_port, db=0)
        channel = channels.org_channel(self.org_id, "jobs")
        channels.publish(publisher, channel, {"seq": -1})  # nobody listens yet
        opened, rss_prev = WARM_SOCKETS, rss0
        for n in self.levels:
            self.deadline.check(f"websockets at {n}")
            add = n - opened
            secs, retried = self.open_sockets(add)
            note(f"{n} sockets open ({add / secs:.0f} handshakes/s, {retried} retried)")
            emit(f"ws_handshakes_retried_to_{n}", retried, "handshakes", detail=True)
            emit(f"ws_handshakes_per_s_to_{n}", add / secs, "sockets/s", detail=True)

            time.sleep(1.0)  # let the handler threads settle
            rss = rss_kb(self.worker_pid)
            rss_target = f"<= {RSS_TARGET_KB}" if n >= 1000 else None
            # Over the sockets opened since the baseline (the warm ones are in it).
            per_socket = (rss - rss0) / (n - WARM_SOCKETS)
            emit(f"ws_rss_per_socket_kb_{n}", per_socket, "KB", target=rss_target)
            emit(f"ws_rss_marginal_kb_{opened}_to_{n}", (rss - rss_prev) / add, "KB", detail=True)
            emit(f"ws_worker_rss_mb_{n}_sockets", rss / 1024, "MB", detail=True)
            opened, rss_prev = n, rss
            self.memory_profile(str(n))
            emit(
                f"ws_worker_threads_{n}",
                threads_of(self.worker_pid) - threads0,
                "threads",
                detail=True,
            )
            if n == REST_SOCKETS and rest0:
                self.wait_idle()  # the handshakes done: sockets open, idle
                rest_open = self.rest_window(f"{n}_open")
            c0, w0 = cpu_s(self.worker_pid), time.monotonic()
            time.sleep(2.0)  # nothing published: what idle sockets cost
            idle = (cpu_s(self.worker_pid) - c0) / (time.monotonic() - w0)
            emit(f"ws_idle_worker_cpu_cores_{n}", idle, "cores", target="~0")

            # One event on an otherwise idle hub: how long until every socket has it.
            probe = self.fanout(publisher, channel, 1)
            emit(f"ws_one_event_to_all_sockets_ms_{n}", probe["slowest"][-1], "ms")

            gap = max(EVENT_GAP_S, n / FRAMES_PER_S)
            emit(f"ws_event_gap_ms_{n}", gap * 1000, "ms", detail=True)
            got = self.fanout(publisher, channel, self.events, gap)
            lat, slowest = got["latencies"], got["slowest"]
            goal = LATENCY_TARGETS_MS.get(n)
            target = f"<= {goal}" if goal else None
            emit(f"ws_publish_to_receive_p50_ms_{n}", pct(lat, 0.5), "ms")
            emit(f"ws_publish_to_receive_p99_ms_{n}", pct(lat, 0.99), "ms", target=target)
            emit(f"ws_publish_to_receive_max_ms_{n}", lat[-1] if lat else None, "ms", detail=True)
            emit(f"ws_last_socket_p50_ms_{n}", pct(slowest, 0.5), "ms", detail=True)
            missing = self.events * n - got["received"]
            emit(f"ws_frames_missing_after_{COLLECT_S:.0f}s_{n}", missing, "frames", target=0)
            emit(f"ws_sockets_dropped_{n}", got["dropped"], "sockets", target=0, detail=True)
            usage = got["usage"]
            wall = usage["wall"]
            emit(f"ws_fanout_web_cpu_cores_{n}", usage["web"] / wall, "cores", detail=True)
            clients_cpu = sum(usage[c.name] for c in self.clients)
            emit(f"ws_fanout_client_cpu_cores_{n}", clients_cpu / wall, "cores", detail=True)
            emit(f"ws_fanout_not_ours_cpu_cores_{n}", usage["other"] / wall, "cores", detail=True)
            self.not_ours_s += usage["other"]
            self.metered_s += wall
        for c in self.clients:
            c.send(op="close")
        for c in self.clients:
            c.answer(self.timeout(20))
        for c in self.clients:
            self.procs.stop(c.name, timeout=5)
        self.clients = []
        publisher.close()
        self.wait_idle()
        if rest0 and rest_open:
            # "None open" is measured before the first socket and after the last closed: on
            # a shared machine the load drifts, and the mean of the two brackets the run.
            rest1 = self.rest_window("none_after")
            p50_none, p99_none = (rest0[0] + rest1[0]) / 2, (rest0[1] + rest1[1]) / 2
            emit(f"rest_p99_ms_{REST_SOCKETS}_sockets_open", rest_open[1], "ms", baseline=p99_none)
            emit(
                f"rest_p99_ratio_{REST_SOCKETS}_sockets_open_vs_none",
                rest_open[1] / p99_none,
                "ratio",
                target=f"<= {REST_RATIO_TARGET}",
            )
            emit(
                f"rest_p50_ratio_{REST_SOCKETS}_sockets_open_vs_none",
                rest_open[0] / p50_none,
                "ratio",
                detail=True,
            )

    def memory_profile(self, label: str) -> None:
        """``--profile-memory``: what the worker allocated since 0 sockets, by line."""
        if not self.profile:
            return
        go = self.log_dir / "mem.go"
        go.write_text(label)
        wait_until(lambda: not go.exists(), timeout=self.timeout(120), what="memory snapshot")
        for line in (self.log_dir / f"mem.{label}.txt").read_text().splitlines()[:15]:
            note(f"mem {label}: {line}")

    def open_sockets(self, add: int) -> tuple[float, int]:
        """Open ``add`` more sockets, spread over the client processes; (seconds, retried)."""
        shares = [
            add // len(self.clients) + (i < add % len(self.clients))
            for i in range(len(self.clients))
        ]
        t = time.perf_counter()
        for c, k in zip(self.clients, shares, strict=True):
            c.send(op="connect", n=k)
        answers = [c.answer(self.timeout(300)) for c in self.clients]
        secs = time.perf_counter() - t
        failed = sum(a["failed"] for a in answers)
        if failed:
            first = next(a["first_error"] for a in answers if a["failed"])
            raise RuntimeError(f"{failed} of {add} sockets failed to open: {first}")
        return secs, sum(a.get("retried", 0) for a in answers)

    def wait_idle(self) -> None:
        """Until the realtime worker and the client processes have worked off any backlog
        (the handshakes, a fan-out), so it does not skew what follows (REST figures)."""

        def busy_s() -> float:
            pids = [self.worker_pid, *(c.proc.pid for c in self.clients if c.proc.poll() is None)]
            total = 0.0
            for pid in pids:
                with contextlib.suppress(OSError):
                    total += cpu_s(pid)
            return total

        def idle() -> bool:
            c0 = busy_s()
            time.sleep(0.5)
            return (busy_s() - c0) / 0.5 < 0.1

        try:
            wait_until(idle, timeout=self.timeout(60), interval=0, what="web worker idle")
        except TimeoutError as exc:
            note(f"{exc}; measuring anyway")

    def fanout(
        self, publisher: redis.Redis, channel: str, count: int, gap: float = EVENT_GAP_S
    ) -> dict[str, Any]:
        """Publish ``count`` events ``gap`` seconds apart; what every socket received."""
        from core import channels

        self.all_clients(10, op="record")
        meter = self.meter()
        start = time.perf_counter()
        for i in range(count):
            pause = start + i * gap - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            channels.publish(publisher, channel, {"seq": i})
        got = self.all_clients(COLLECT_S + 20, op="collect", expect=count, timeout=COLLECT_S)
        usage = meter.stop()
        return {
            "latencies": sorted(x for a in got for x in a["latencies_ms"]),
            "slowest": sorted(x for a in got for x in a["slowest_per_event_ms"]),
            "received": sum(a["received"] for a in got),
            "dropped": sum(a["server_closed"] for a in got),
            "usage": usage,
        }

    # ------------------------------------------------------------------ 3. ops queues
    def fill_broker(self) -> None:
        """``ready_n`` ready messages and ``dead_n`` dead letters in Dramatiq's key layout."""
        from dramatiq import Message

        rid_s, mid_s, ts_s = "R" * 36, "M" * 36, 9_999_999_999_999

        def encoded(rid: str, mid: str, ts: int, dead: bool) -> bytes:
            options: dict[str, Any] = {"redis_message_id": rid}
            if dead:
                options |= {
                    "retries": 5,
                    "traceback": "Traceback (most recent call last):\n  ...\nValueError: boom\n",
                }
            return Message(
                queue_name="default",
                actor_name="bench.noop",
                args=(),
                kwargs={},
                options=options,
                message_id=mid,
                message_timestamp=ts,
            ).encode()

        def formatter(dead: bool) -> Callable[[bytes, bytes, int], bytes]:
            """Dramatiq's encoding as a %-template: the same bytes, 1M times faster to make."""
            tpl = encoded(rid_s, mid_s, ts_s, dead).replace(b"%", b"%%")
            order = sorted((tpl.index(p), p) for p in (rid_s.encode(), mid_s.encode()))
            fmt = tpl.replace(rid_s.encode(), b"%s").replace(mid_s.encode(), b"%s")
            fmt = fmt.replace(str(ts_s).encode(), b"%d")
            rid_first = order[0][1] == rid_s.encode()
            assert fmt.count(b"%s") == 2 and fmt.count(b"%d") == 1

            def make(rid: bytes, mid: bytes, ts: int) -> bytes:
                return fmt % ((rid, mid, ts) if rid_first else (mid, rid, ts))

            return make

        def ident(kind: int, i: int) -> bytes:
            return b"%08x-%04x-4000-8000-000000000000" % (i, kind)

        now_ms = int(time.time() * 1000)
        base = f"{NAMESPACE}:default"
        for kind, n, dead in ((1, self.ready_n, False), (3, self.dead_n, True)):
            make = formatter(dead)
            for i in (0, n - 1):  # the template makes exactly what Dramatiq encodes
                rid, mid, ts = ident(kind, i), ident(kind + 1, i), now_ms - n + i
                assert make(rid, mid, ts) == encoded(rid.decode(), mid.decode(), ts, dead)
            pipe = self.broker.pipeline(transaction=False)
            chunk = 2_000
            for start in range(0, n, chunk):
                rids = [ident(kind, i) for i in range(start, min(n, start + chunk))]
                msgs: dict[Any, Any] = {
                    rid: make(rid, ident(kind + 1, i), now_ms - n + i)
                    for i, rid in zip(range(start, start + len(rids)), rids, strict=True)
                }
                if dead:
                    pipe.zadd(
                        f"{base}.XQ", {rid: now_ms - n + i for i, rid in enumerate(rids, start)}
                    )
                    pipe.hset(f"{base}.XQ.msgs", mapping=msgs)
                else:
                    pipe.rpush(base, *rids)  # Dramatiq enqueues with RPUSH; oldest at 0
                    pipe.hset(f"{base}.msgs", mapping=msgs)
                if len(pipe) >= 20:
                    pipe.execute()
            pipe.execute()

    def time_ops(self, label: str, baseline: dict[str, float] | None) -> dict[str, float]:
        """p50/p99 of ``GET /api/v1/ops/queues`` in-process and over HTTP."""
        from core.settings import Settings
        from web import create_app

        app = create_app(Settings.from_env(self.env))
        res = app.extensions["saleshub"]
        headers = {"Authorization": f"Bearer {self.key}"}
        out: dict[str, float] = {}
        try:
            client = app.test_client()
            body: Any = None
            for _ in range(5):
                resp = client.get("/api/v1/ops/queues", headers=headers)
                assert resp.status_code == 200, (resp.status_code, resp.data[:300])
                body = resp.json
            default = next(q for q in body["queues"] if q["name"] == "default")
            want = (self.ready_n, self.dead_n) if label == "full" else (0, 0)
            assert (default["ready"], default["dead"]) == want, default
            samples = []
            for _ in range(self.calls):
                t = time.perf_counter()
                resp = client.get("/api/v1/ops/queues", headers=headers)
                resp.data  # noqa: B018 - the whole body, as a client would read it
                samples.append((time.perf_counter() - t) * 1000)
            samples.sort()
            out["inproc50"], out["inproc99"] = pct(samples, 0.5), pct(samples, 0.99)
        finally:
            res.engine.dispose()
            res.broker.close()
            res.cache.close()

        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=10)
        try:
            for _ in range(5):
                status, _ = self.http_get("/api/v1/ops/queues", conn)
                assert status == 200, status
            samples = []
            for _ in range(self.calls):
                t = time.perf_counter()
                status, _ = self.http_get("/api/v1/ops/queues", conn)
                samples.append((time.perf_counter() - t) * 1000)
                assert status == 200, status
        finally:
            conn.close()
        samples.sort()
        out["http50"], out["http99"] = pct(samples, 0.5), pct(samples, 0.99)
        if baseline is None:
            for k, v in out.items():
                emit(f"ops_queues_empty_{k[:-2]}_p{k[-2:]}_ms", v, "ms", detail=True)
            return out
        target = f"<= {OPS_TARGET_MS}"
        for where, key in (("inprocess", "inproc"), ("http", "http")):
            for q in ("50", "99"):
                emit(
                    f"ops_queues_{where}_p{q}_ms",
                    out[key + q],
                    "ms",
                    target=target,
                    baseline=baseline[key + q],
                )
        return out

    def ops(self) -> None:
        note("GET /api/v1/ops/queues on an empty broker (baseline)")
        empty = self.time_ops("empty", None)
        note(f"filling the private broker: {self.ready_n} ready, {self.dead_n} dead")
        t = time.perf_counter()
        self.fill_broker()
        secs = time.perf_counter() - t
        emit("broker_fill_msgs_per_s", (self.ready_n + self.dead_n) / secs, "msgs/s", detail=True)
        used = int(self.broker.info("memory")["used_memory"])
        emit("broker_used_memory_mb", used / 2**20, "MB", detail=True)
        self.deadline.check("broker fill")
        note(f"GET /api/v1/ops/queues with {self.ready_n} ready and {self.dead_n} dead")
        meter = self.meter()
        self.time_ops("full", empty)
        usage = meter.stop()
        emit("ops_not_ours_cpu_cores", usage["other"] / usage["wall"], "cores", detail=True)
        self.not_ours_s += usage["other"]
        self.metered_s += usage["wall"]

    def run(self) -> None:
        emit("machine_loadavg_1m_at_start", os.getloadavg()[0], "runnable", "<= 0.5 (quiet)")
        self.setup()
        self.start_web()
        self.start_rest()
        note(f"websocket hub: {', '.join(map(str, self.levels))} sockets, {self.events} events")
        self.websockets()
        self.deadline.check("websockets")
        if not self.skip_ops:
            self.ops()
        if self.metered_s:
            emit("not_ours_cpu_cores_avg", self.not_ours_s / self.metered_s, "cores", "~0 (quiet)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="100 and 1,000 sockets; 100,000 ready, 1,000 dead"
    )
    parser.add_argument(
        "--client-procs", type=int, default=2, help="client processes sharing the sockets"
    )
    parser.add_argument(
        "--server", choices=("gevent", "gthread"), default="gevent", help="gunicorn worker class"
    )
    parser.add_argument("--skip-ops", action="store_true", help="only the websocket figures")
    parser.add_argument(
        "--profile-memory",
        action="store_true",
        help="tracemalloc in the server: what each level of sockets allocated, by line",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep subprocess logs")
    parser.add_argument("--detail", action="store_true", help="also print breakdowns")
    args = parser.parse_args()
    if args.detail:
        show_detail()

    def on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    raise_fd_limit()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    log_dir = Path(tempfile.mkdtemp(prefix="saleshub-bench-ws-"))
    bench = Bench(args.quick, max(1, args.client_procs), log_dir, args.server)
    bench.skip_ops = args.skip_ops
    bench.profile = args.profile_memory
    ok = False
    try:
        bench.run()
        ok = True
    finally:
        bench.teardown()
        if ok and not args.keep_logs:
            shutil.rmtree(log_dir, ignore_errors=True)
        else:
            note(f"subprocess logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
