"""Where a job's time goes in a worker: py-spy samples of our worker draining no-op jobs.

Run as ``.venv/bin/python bench/profile_jobs.py [--quick]`` (``make bench`` runs it). Stages
N no-op jobs through the outbox and relay (as bench/jobs.py does), then runs one worker
process (8 threads, ledger on) under ``py-spy record`` (from the bench environment) until
every row is ``succeeded``. Prints, as JSON lines, the share of the worker's busy samples
spent in each part (a sample counts for the first part, in this order, found on its stack),
and writes the folded stacks next to the logs for a flame graph.
"""

from __future__ import annotations

import argparse
import collections
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.jobs import NS_OURS, Bench
from bench.support.bench_env import bench_python
from bench.support.common import emit, note, wait_until

# (part, what a frame of it shows: py-spy prints paths relative to sys.path, in brackets),
# checked in order on each sample's stack.
PARTS = (
    ("boot (imports)", "_find_and_load"),
    ("ledger (PostgreSQL writes)", "(core/queueing/ledger"),
    ("consumer (fetch, wake-up)", "(core/queueing/consumer"),
    ("our other middleware", "(core/"),
    ("redis client", "(redis/"),
    ("psycopg", "(psycopg/"),
    ("actor body", "(bench/support/noop_actors"),
    ("dramatiq", "(dramatiq/"),
)


def parts_of(folded: Path) -> dict[str, int]:
    """Samples per part from py-spy's raw (folded) output: ``frame;frame;... count``."""
    counts: collections.Counter[str] = collections.Counter()
    for line in folded.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        part = next((name for name, path in PARTS if path in stack), "other (python, stdlib)")
        counts[part] += int(n)
    return dict(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N=2,000 instead of 20,000")
    args = parser.parse_args()
    n = 2_000 if args.quick else 20_000
    py_spy = bench_python().parent / "py-spy"
    log_dir = Path(tempfile.mkdtemp(prefix="saleshub-profile-"))
    folded = log_dir / "worker.folded"
    bench = Bench(n, 0, log_dir)
    try:
        bench.setup()
        bench.init_stack()
        bench.stage_and_relay()
        worker = [sys.executable, "-m", "dramatiq", "worker.entry:setup"]
        worker += ["bench.support.noop_actors", "-p", "1", "-t", "8", "--queues", "default"]
        argv = [str(py_spy), "record", "--subprocesses", "--rate", "250", "--format", "raw"]
        argv += ["--nonblocking", "-o", str(folded), "--", *worker]
        t0 = time.perf_counter()
        bench.procs.start("worker", argv, bench.env)
        bench.drain_timed(NS_OURS, n, "worker", t0)
        assert bench.pg is not None

        def all_succeeded() -> bool:
            row = bench.pg.execute(  # type: ignore[union-attr]
                "SELECT count(*) FROM jobs WHERE status = 'succeeded'"
            ).fetchone()
            return row is not None and row[0] == n

        wait_until(all_succeeded, timeout=120, what="all rows succeeded")
        emit("profile_worker_jobs_per_s", n / (time.perf_counter() - t0), "jobs/s")
        spy = bench.procs.procs["worker"]
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
        spy.wait(timeout=60)
        bench.procs.stop("worker")  # the worker it started
    finally:
        bench.teardown()
        note(f"folded stacks and logs in {log_dir}")
    counts = parts_of(folded)
    total = sum(counts.values()) or 1
    for part, samples in sorted(counts.items(), key=lambda kv: -kv[1]):
        emit(f"profile_share_{part}", 100 * samples / total, "%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
