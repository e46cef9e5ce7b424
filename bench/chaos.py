"""``make chaos``: a Jepsen-style run: probes under a seeded nemesis, then a checker.

Starts the stack with ``make run``'s own scripts under ``var/chaos`` (private PostgreSQL and
two Redis from ``scripts/services.sh``, migrations, an admin key, and the web, worker,
scheduler and mail processes from the ``Procfile``), sends probes with unique, checkable
effects through ``POST /api/v1/jobs`` and CRM writes (``bench/support/chaos_check.py``)
while the nemesis injects faults one after another (``bench/support/chaos_nemesis.py``),
measures after each fault how long until a new write's job has its effect again, waits
for the jobs to settle, and prints one JSON line per figure: lost, duplicated, unexpected,
stuck, dead, failed, longest recovery, and the run's size. The same ``--seed`` gives the
same fault sequence and probe mix.

    .venv/bin/python bench/chaos.py                   # full: 20,000 probes, 30 faults
    .venv/bin/python bench/chaos.py --short           # the version make test runs
    .venv/bin/python bench/chaos.py --seed 7 --probes 5000 --faults 12
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.chaos_check import Prober, active_jobs, check, effect_visible, load
from bench.support.chaos_nemesis import Nemesis
from bench.support.chaos_stack import Stack
from bench.support.common import ROOT, emit

RECOVERY_TARGET_S = 90.0


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seed", type=int, default=None, help="repeat a run (default: random)")
    p.add_argument("--short", action="store_true", help="the short run of make test")
    p.add_argument("--probes", type=int, default=None, help="probes (full 20000, short 600)")
    p.add_argument("--faults", type=int, default=None, help="faults (full 30, short 9)")
    p.add_argument("--rate", type=float, default=None, help="probes a second (full 40, short 20)")
    p.add_argument("--threads", type=int, default=8, help="client threads")
    p.add_argument("--hold-scale", type=float, default=None, help="fault holds (full 1, short 0.2)")
    p.add_argument("--stuck-after-s", type=float, default=None, help="settle (full 300, short 90)")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "chaos")
    args = p.parse_args(argv)
    full = not args.short
    args.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    args.probes = args.probes or (20_000 if full else 600)
    args.faults = args.faults if args.faults is not None else (30 if full else 9)
    args.rate = args.rate or (40.0 if full else 20.0)
    args.hold_scale = args.hold_scale if args.hold_scale is not None else (1.0 if full else 0.2)
    args.stuck_after_s = args.stuck_after_s or (300.0 if full else 90.0)
    return args


def _recovery(stack: Stack, prober: Prober, dsn: str, healed: float) -> float | None:
    """Seconds from ``healed`` until a new write is acknowledged and its job's effect shows."""
    op = prober.run("contact")
    if op.outcome != "ok":
        return None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if effect_visible(dsn, int(op.id)):
            return time.monotonic() - healed
        time.sleep(0.2)
    return None


def main(argv: list[str] | None = None) -> int:
    """Run, check, print the figures; exit 1 when a safety figure is not 0."""
    args = _args(argv)
    # SIGTERM (and SIGINT, even when started in the background) stop the stack on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    rng = random.Random(args.seed)
    stack = Stack(args.workdir)
    started = time.monotonic()
    report: dict[str, Any] = {"seed": args.seed, "faults": []}
    try:
        stack.start()
        stack.wait_healthy()
        dsn = stack.env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        prober = Prober(stack.url, stack.headers(), give_up_s=240)
        nemesis = Nemesis(stack, rng, hold_scale=args.hold_scale)
        loader = threading.Thread(
            target=load,
            kwargs={
                "prober": prober,
                "probes": args.probes,
                "threads": args.threads,
                "rate": args.rate,
                "seed": args.seed,
            },
            daemon=True,
        )
        loader.start()
        time.sleep(3)  # some load in flight before the first fault
        for kind in nemesis.plan(args.faults):
            fault = nemesis.inject(kind)
            recovery = _recovery(stack, prober, dsn, fault.healed)
            line = {
                "fault": kind,
                "detail": fault.detail,
                "held_s": round(fault.healed - fault.started, 1),
                "recovery_s": None if recovery is None else round(recovery, 1),
            }
            report["faults"].append(line)
            print(json.dumps(line), file=sys.stderr, flush=True)
            time.sleep(rng.uniform(0.5, 2.0))
        loader.join()
        cutoff = time.time()
        report["load_end_s"] = round(time.monotonic() - started)
        settle_deadline = time.monotonic() + args.stuck_after_s
        while time.monotonic() < settle_deadline and active_jobs(dsn, cutoff) != 0:
            time.sleep(1)
        report["settled_s"] = round(time.monotonic() - started)
        result = check(dsn, prober.ops, cutoff=cutoff)
    finally:
        stack.stop()
    recoveries = [f["recovery_s"] for f in report["faults"]]
    longest = None if None in recoveries else max(recoveries, default=0.0)
    report.update(result, longest_recovery_s=longest, seconds=round(time.monotonic() - started))
    (args.workdir / "report.json").write_text(json.dumps(report, indent=2))
    for figure in ("lost", "duplicated", "unexpected", "stuck"):
        emit(f"chaos {figure}", result[figure], "probes" if figure != "stuck" else "jobs", 0)
    emit("chaos dead jobs", result["dead"], "jobs")
    emit("chaos failed jobs", result["failed"], "jobs")
    emit("chaos longest recovery", longest, "s", RECOVERY_TARGET_S)
    emit("chaos http 500 answers", result["http_500"], "answers", 0)
    emit("chaos probes", result["probes"], "probes")
    emit("chaos probes acknowledged", result["acknowledged"], "probes")
    emit("chaos probes unknown (gave up)", result["unknown"], "probes")
    emit("chaos probe jobs", result["probe_jobs"], "jobs", 20_000 if not args.short else None)
    emit("chaos faults", len(report["faults"]), "faults", 30 if not args.short else None)
    emit("chaos seed", args.seed, "seed")
    emit("chaos run time", report["seconds"], "s")
    safe = all(result[f] == 0 for f in ("lost", "duplicated", "unexpected", "stuck"))
    return 0 if safe else 1


if __name__ == "__main__":
    sys.exit(main())
