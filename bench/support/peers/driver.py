"""Measure one peer: ``.venv-bench/bin/python -m bench.support.peers.driver PEER``.

Run by bench/peers.py in the bench environment. Against ``BENCH_PEER_URL`` (a Redis
database of the bench's own, emptied first), it enqueues ``--jobs`` no-op jobs, starts the
peer's own worker command (``--procs`` processes of ``--threads`` threads where the peer has
threads), times the drain until every job's effect is counted, then, after a quiet pause,
sends ``--probe`` jobs one at a time ``--gap`` seconds apart and reads each one's
enqueue→start delay. Prints one JSON object with the results.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
SALESHUB_URLS = {"BROKER_URL", "CACHE_URL", "DATABASE_URL"}


def worker_commands(peer: str, procs: int, threads: int, url: str, prefix: str) -> list[list[str]]:
    """The peer's own worker command lines (one per process where it has no pool)."""
    if peer == "dramatiq":
        app = "bench.support.peers.dramatiq_app"
        return [[str(BIN / "dramatiq"), app, "-p", str(procs), "-t", str(threads)]]
    if peer == "huey":
        app = "bench.support.peers.huey_app.huey"
        argv = [str(BIN / "huey_consumer"), app, "-w", str(threads), "-k", "thread", "-q"]
        return [argv for _ in range(procs)]
    if peer == "celery":
        return [
            [
                str(BIN / "celery"),
                "-A",
                "bench.support.peers.celery_app",
                "worker",
                "-P",
                "threads",
                "-c",
                str(threads),
                "-n",
                f"w{i}@bench",
                "-Q",
                f"{prefix}-celery",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ]
            for i in range(procs)
        ]
    if peer == "rq":  # RQ has no threads: one job at a time per process
        serializer = "rq.serializers.JSONSerializer"
        return [
            [
                str(BIN / "rq"),
                "worker-pool",
                "-n",
                str(procs),
                "-w",
                "rq.worker.SimpleWorker",
                "-S",
                serializer,
                "-u",
                url,
                "-q",
                f"{prefix}-rq",
            ]
        ]
    if peer == "taskiq":  # asyncio: --max-async-tasks plays the part of threads
        app = "bench.support.peers.taskiq_app:broker"
        return [
            [
                str(BIN / "taskiq"),
                "worker",
                app,
                "--workers",
                str(procs),
                "--max-async-tasks",
                str(threads * 8),
                "--log-level",
                "WARNING",
            ]
        ]
    raise SystemExit(f"unknown peer {peer!r}")


def wait_count(client: redis.Redis, key: str, n: int, timeout: float) -> tuple[float, float]:
    """Poll ``key`` until it reaches ``n``: (time it first moved, time it reached n)."""
    first: float | None = None
    end = time.perf_counter() + timeout
    while True:
        value = int(client.get(key) or 0)
        now = time.perf_counter()
        if first is None and value > 0:
            first = now
        if value >= n:
            return (first or now), now
        if now > end:
            raise TimeoutError(f"{key}: {value} of {n} after {timeout:.0f}s")
        time.sleep(0.002)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("peer")
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--probe", type=int, default=60)
    parser.add_argument("--gap", type=float, default=0.25)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    url, prefix = os.environ["BENCH_PEER_URL"], os.environ.get("BENCH_PEER_PREFIX", "peer")
    client = redis.Redis.from_url(url, socket_timeout=10)
    client.flushdb()  # the bench's own database on its private Redis (see bench/peers.py)
    app: Any = importlib.import_module(f"bench.support.peers.{args.peer}_app")

    t = time.perf_counter()
    for _ in range(args.jobs):
        app.enqueue()
    enqueue_s = time.perf_counter() - t

    # Celery takes BROKER_URL from the environment over its app's own setting: keep
    # SalesHub's URLs away from every peer.
    env = {k: v for k, v in os.environ.items() if k not in SALESHUB_URLS}
    env["PYTHONPATH"] = str(ROOT)
    workers = []
    log = args.log.open("ab")
    t0 = time.perf_counter()
    for argv in worker_commands(args.peer, args.procs, args.threads, url, prefix):
        workers.append(
            subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
            )
        )
    result: dict[str, Any] = {"peer": args.peer, "jobs": args.jobs, "enqueue_s": enqueue_s}
    try:
        first, done = wait_count(client, f"{prefix}:done", args.jobs, timeout=240)
        result.update(
            boot_s=first - t0,
            jobs_per_s=args.jobs / (done - t0),
            drain_jobs_per_s=args.jobs / (done - first),
        )
        time.sleep(2.0)  # quiet: let every consumer back off to its longest poll interval
        delays: list[float] = []
        for k in range(args.probe):
            app.enqueue(time.time())
            wait_count(client, f"{prefix}:done", args.jobs + k + 1, timeout=30)
            time.sleep(args.gap)
        delays = [float(v) for v in client.lrange(f"{prefix}:lat", 0, -1)]
        result["probe_ms"] = sorted(delays)
    finally:
        for proc in workers:
            with _quiet():
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with _quiet():
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()
        client.flushdb()
    print(json.dumps(result), flush=True)
    return 0


class _quiet:
    """Ignore a process group that is already gone."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool:
        return exc_type is ProcessLookupError


if __name__ == "__main__":
    sys.exit(main())
