"""SalesHub against its peers: the same no-op jobs and the same latency probe, in one run.

Run as ``.venv/bin/python bench/peers.py [--quick]`` (``make bench`` runs it); prints one
JSON object per figure. Peers: bare Dramatiq, Huey, Celery, RQ and Taskiq, each with its own
worker command at 2 processes of 8 threads (RQ: 2 processes; Taskiq: 2 processes of 64 async
tasks), installed from the pinned ``requirements-bench.txt`` into ``.venv-bench`` (built here
on first use, never into the project's ``.venv``). All on the same private Redis: the peers
in a database of their own (``BENCH_PEERS_REDIS_DB``, default 4, emptied before and after);
our stack as bench/jobs.py runs it (outbox, relay, ledger on; database 3 and
``saleshub_bench``).

Figures, for each peer and for our stack:
  - drain rate: N no-op jobs already queued, from the first job's start to the last job's
    effect (a counter in Redis for the peers; ``succeeded`` in the ledger for ours);
  - quiet probe: after 2 s idle, one job at a time 0.25 s apart, enqueue (for ours: the
    staging transaction's COMMIT) → start, p50 and p99;
  - ours only, at half of peak: no-op jobs staged at half of our drain rate for HALF_PEAK_S
    seconds, in one transaction per HALF_PEAK_TICK_S tick, each tick's jobs in one
    ``stage_many`` statement as a producer of that rate would (single-row transactions from
    this process's threads reach only ~200/s on 2 cores, far below the rate; one INSERT a
    job in a tick's transaction reached ~1,600/s), commit (the client's clock when the
    tick's ``COMMIT`` returned, as the quiet probe) → start p50 and p99 (target p99
    ≤ 25 ms), with the staging rate reached; created → start (the staging transaction's
    ``now()``, what runs before docs/decisions/0050 reported) as a detail.
``saleshub_*_vs_best_peer`` carries the best peer's figure as ``baseline`` and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.jobs import BUDGET_S, QUIET_GAP_S, QUIET_JOBS, Bench
from bench.support.bench_env import bench_python
from bench.support.common import (
    ROOT,
    Deadline,
    emit,
    note,
    percentile,
    show_detail,
    with_redis_db,
)

PEERS = ("dramatiq", "huey", "celery", "rq", "taskiq")
PEERS_DB = int(os.environ.get("BENCH_PEERS_REDIS_DB", "4"))
HALF_PEAK_S = 10.0
HALF_PEAK_TICK_S = 0.01


def paced_batches(bench: Bench, rate: float, seconds: float) -> dict[str, float]:
    """No-op jobs staged at ``rate`` per second for ``seconds``, one transaction a tick.

    Each job's commit is the client's clock when its tick's ``COMMIT`` returned, as in the
    quiet figure; ``created`` (PostgreSQL's ``now()`` in the staging transaction) comes
    before that transaction's insert and commit, which no relay can see past.
    """
    from bench.support.noop_actors import noop
    from core.queueing.outbox import stage_many
    from models.db import session_scope

    committed: dict[str, float] = {}
    t_first = time.time()
    t0 = time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < seconds:
        due = int(rate * elapsed) + 1 - len(committed)
        if due > 0:
            with session_scope(bench.sessions) as s:
                staged = stage_many(s, noop, job_type="bench.noop", org_id=None, args=[()] * due)
            at = time.time()
            committed.update((str(i), at) for i in staged)
        time.sleep(max(0.0, HALF_PEAK_TICK_S - (time.perf_counter() - t0 - elapsed)))
    staged_at = time.time()
    ids = list(committed)
    bench.wait_finished(ids, "half-peak jobs finished")
    assert bench.pg is not None
    rows = bench.pg.execute(
        "SELECT id::text, extract(epoch FROM created_at), extract(epoch FROM dispatched_at),"
        " extract(epoch FROM started_at) FROM jobs WHERE id = ANY(%s::uuid[])",
        (ids,),
    ).fetchall()
    splits: dict[str, list[float]] = {"c2s": [], "c2d": [], "d2s": [], "created2s": []}
    for job_id, created, dispatched, started in rows:
        at = committed[job_id]
        splits["c2s"].append((float(started) - at) * 1000)
        splits["c2d"].append((float(dispatched) - at) * 1000)
        splits["d2s"].append((float(started) - float(dispatched)) * 1000)
        splits["created2s"].append((float(started) - float(created)) * 1000)
    timings = {
        f"{key}{q}": percentile(sorted(values), int(q) / 100) or 0.0
        for key, values in splits.items()
        for q in ("50", "99")
    }
    timings["staged"] = len(ids) / (staged_at - t_first)
    return timings


def run_peer(python: Path, peer: str, n: int, broker_url: str, log_dir: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BENCH_PEER_URL": with_redis_db(broker_url, PEERS_DB),
        "BENCH_PEER_PREFIX": "peer",
    }
    argv = [str(python), "-m", "bench.support.peers.driver", peer, "--jobs", str(n)]
    argv += ["--probe", str(QUIET_JOBS), "--gap", str(QUIET_GAP_S), "--log", str(log_dir / peer)]
    out = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=420)
    if out.returncode != 0:
        raise RuntimeError(f"{peer} failed:\n{out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N=2,000 instead of 20,000")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset")
    parser.add_argument("--detail", action="store_true", help="also print latency splits")
    args = parser.parse_args()
    if args.detail:
        show_detail()
    n = 2_000 if args.quick else 20_000
    python = bench_python()
    log_dir = Path(tempfile.mkdtemp(prefix="saleshub-peers-"))
    bench = Bench(n, 0, log_dir)
    emit("machine_loadavg_1m_at_start", os.getloadavg()[0], "runnable", "<= 0.5 (quiet)")
    results: dict[str, dict[str, Any]] = {}
    try:
        bench.setup()
        for peer in args.peers.split(","):
            note(f"{peer}: {n} no-op jobs, then {QUIET_JOBS} quiet probes")
            results[peer] = run_peer(python, peer, n, bench.broker_url, log_dir)
        note(f"SalesHub: {n} no-op jobs through outbox, relay and ledger, then quiet probes")
        # The stack's own budget starts now: the peers (up to 420 s each) must not spend it
        # (they did, and a full run timed out in its first second of ours).
        bench.deadline = Deadline(BUDGET_S)
        bench.ours()
        bench.procs.start(
            "relay", [sys.executable, str(ROOT / "bench/support/relay_proc.py")], bench.env
        )
        bench.staged_noop("quiet_warmup", 64)
        bench.quiet()
        half = bench.ours_drain_rate / 2
        note(f"SalesHub at half of peak: {half:.0f} no-op jobs/s for {HALF_PEAK_S:.0f} s")
        loaded = paced_batches(bench, half, HALF_PEAK_S)
    finally:
        bench.teardown()
        note(f"subprocess logs in {log_dir}")

    best_rate = max(r["drain_jobs_per_s"] for r in results.values())
    probes = {p: r["probe_ms"] for p, r in results.items()}
    best_p50 = min(percentile(v, 0.5) or 0.0 for v in probes.values())
    best_p99 = min(percentile(v, 0.99) or 0.0 for v in probes.values())
    for peer, r in results.items():
        emit(f"peer_{peer}_drain_jobs_per_s", r["drain_jobs_per_s"], "jobs/s", None, best_rate)
        emit(f"peer_{peer}_quiet_start_p50_ms", percentile(probes[peer], 0.5), "ms", None, best_p50)
        emit(
            f"peer_{peer}_quiet_start_p99_ms", percentile(probes[peer], 0.99), "ms", None, best_p99
        )
    c2s = bench.quiet_c2s
    emit(
        "saleshub_drain_jobs_per_s_vs_best_peer",
        bench.ours_drain_rate,
        "jobs/s",
        ">= 1.0 x best peer",
        best_rate,
    )
    emit(
        "saleshub_quiet_commit_to_start_p50_ms_vs_best_peer",
        percentile(c2s, 0.5),
        "ms",
        "<= 2",
        best_p50,
    )
    emit(
        "saleshub_quiet_commit_to_start_p99_ms_vs_best_peer",
        percentile(c2s, 0.99),
        "ms",
        "<= 10",
        best_p99,
    )
    emit("saleshub_half_peak_target_jobs_per_s", half, "jobs/s", detail=True)
    emit("saleshub_half_peak_staged_jobs_per_s", loaded["staged"], "jobs/s", f">= {half:.0f}")
    emit("saleshub_half_peak_commit_to_start_p50_ms", loaded["c2s50"], "ms")
    emit("saleshub_half_peak_commit_to_start_p99_ms", loaded["c2s99"], "ms", "<= 25")
    for key, name in (("c2d", "commit_to_dispatch"), ("d2s", "dispatch_to_start")):
        for q in ("50", "99"):
            emit(f"saleshub_half_peak_{name}_p{q}_ms", loaded[key + q], "ms", detail=True)
    for q in ("50", "99"):  # from the transaction's start, as runs before 0050 measured it
        emit(
            f"saleshub_half_peak_created_to_start_p{q}_ms",
            loaded["created2s" + q],
            "ms",
            detail=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
