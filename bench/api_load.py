"""The API under load as clients use it: Locust, headless and bounded, at 50 and 200 users.

Run as ``.venv/bin/python bench/api_load.py [--quick]`` (``make bench`` runs it); prints one
JSON object per figure: p50/p95/p99 and errors per endpoint for each user count (and the
errors by kind: ``..._errors_429``, ``..._errors_connectionerror``). The mix is
bench/locustfile.py (list and detail reads, writes, search as you type, job requests), from
Locust in the bench environment (``.venv-bench``), against gunicorn (2 processes of 8 gthread
threads), the relay and one worker process, all on the bench's own database and Redis (see
bench/jobs.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.jobs import Bench
from bench.support.bench_env import bench_python
from bench.support.common import ROOT, emit, note

USERS = (50, 200)


def histogram_percentile(times: dict[str, int], q: float) -> float | None:
    """Locust keeps response times as {rounded ms: count}; the q-th percentile of that."""
    points = sorted((float(ms), n) for ms, n in times.items())
    total = sum(n for _, n in points)
    if not total:
        return None
    seen = 0
    for ms, n in points:
        seen += n
        if seen >= q * total:
            return ms
    return points[-1][0]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def failure_kind(error: str) -> str:
    """A Locust failure's kind: its HTTP status (``429``), or its exception's name."""
    status = re.search(r"\b([45]\d\d) (?:Client|Server) Error", error)
    if status:
        return status.group(1)
    name = re.match(r"[A-Za-z_][A-Za-z0-9_.]*", error)
    return slug(name.group(0).rsplit(".", 1)[-1]) if name else "other"


def failures_by_kind(csv_path: Path) -> dict[str, Counter[str]]:
    """{endpoint name: {kind: occurrences}} from Locust's ``*_failures.csv``."""
    out: dict[str, Counter[str]] = {}
    if not csv_path.exists():
        return out
    with csv_path.open(newline="") as f:
        for row in csv.DictReader(f):
            kinds = out.setdefault(row["Name"], Counter())
            kinds[failure_kind(row["Error"])] += int(row["Occurrences"])
    return out


def run_locust(
    python: Path, users: int, seconds: int, port: int, keys: list[str], csv_prefix: Path
) -> list[Any]:
    locust = python.parent / "locust"
    argv = [str(locust), "-f", str(ROOT / "bench/locustfile.py"), "--headless"]
    argv += ["--csv", str(csv_prefix)]
    argv += ["-u", str(users), "-r", str(max(10, users // 5)), "-t", f"{seconds}s"]
    argv += ["--host", f"http://127.0.0.1:{port}", "--json", "--skip-log", "--only-summary"]
    env = {**os.environ, "BENCH_API_KEYS": ",".join(keys)}
    out = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120
    )
    if not out.stdout.strip():
        raise RuntimeError(f"locust printed nothing (exit {out.returncode}):\n{out.stderr[-2000:]}")
    stats: list[Any] = json.loads(out.stdout)
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="15 s per user count, not 45 s")
    args = parser.parse_args()
    seconds = 15 if args.quick else 45
    python = bench_python()
    log_dir = Path(tempfile.mkdtemp(prefix="saleshub-api-load-"))
    bench = Bench(0, 0, log_dir)
    emit("machine_loadavg_1m_at_start", os.getloadavg()[0], "runnable", "<= 0.5 (quiet)")
    try:
        bench.setup()
        bench.init_stack()
        keys = bench.make_tenants()
        worker = [sys.executable, "-m", "dramatiq", "worker.entry:setup", "-p", "1", "-t", "8"]
        bench.procs.start("worker", worker, bench.env)
        port = bench.start_web_and_relay()
        for users in USERS:
            note(f"Locust: {users} users for {seconds} s")
            csv_prefix = log_dir / f"locust_{users}u"
            stats = run_locust(python, users, seconds, port, keys, csv_prefix)
            failures = failures_by_kind(Path(f"{csv_prefix}_failures.csv"))
            for entry in stats:
                name, times = slug(entry["name"]), entry["response_times"]
                prefix = f"api_load_{users}u_{name}"
                for q in (0.5, 0.95, 0.99):
                    value = histogram_percentile(times, q)
                    emit(f"{prefix}_p{round(q * 100)}_ms", value, "ms")
                emit(f"{prefix}_requests", entry["num_requests"], "requests")
                emit(f"{prefix}_errors", entry["num_failures"], "requests", target=0)
                for kind, count in sorted(failures.get(entry["name"], Counter()).items()):
                    emit(f"{prefix}_errors_{kind}", count, "requests")
    finally:
        bench.teardown()
        note(f"subprocess logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
