"""``python -m worker [--pool worker|delivery] [MODULE ...]``: run a pool of Dramatiq workers.

Two pools (core.queueing.queues.Pool), each its own processes:

- ``worker`` (default): CPU and database work, ``WORKER_THREADS`` OS threads a process:
  ``critical`` and ``default`` in ``WORKER_PROCESSES`` processes, ``bulk`` in
  ``WORKER_BULK_PROCESSES`` more, niced by ``WORKER_BULK_NICE`` (with 0 of those, the first
  take all three queues);
- ``delivery``: ``email``, ``webhooks``, ``push`` under gevent with ``DELIVERY_PROCESSES``
  x ``DELIVERY_GREENLETS``: outbound calls that mostly wait, hundreds at once, none of
  them holding a thread the CPU queues need.

Dramatiq's CLI shuts every worker process down when one dies (a message that kills its
process would take the whole fleet down with it, and honcho would then stop the rest of
the platform). So a pool runs its processes as Dramatiq commands of one process each, side
by side, and the supervisor restarts each on its own, with backoff, until told to stop: a
worker killed mid-job costs that process only (the chaos run measured up to 58 s without
any worker when one SIGKILL restarted them all).
"""

from __future__ import annotations

import argparse
import sys

from core.queueing.queues import Pool, Queue, names
from core.settings import Settings
from worker.supervise import Lane, supervise_lanes


def size(settings: Settings, pool: Pool) -> tuple[int, int]:
    """(processes, threads or greenlets per process) of ``pool``, from ``settings.worker``."""
    cfg = settings.worker
    if pool is Pool.DELIVERY:
        return cfg.delivery_processes, cfg.delivery_greenlets
    return cfg.processes, cfg.threads


def command(
    settings: Settings,
    extra_modules: list[str],
    pool: Pool = Pool.WORKER,
    queues: tuple[str, ...] | None = None,
) -> list[str]:
    """The dramatiq command line of one process of ``pool`` on ``queues`` (default: all the
    pool's; the supervisor runs as many copies as the pool has processes)."""
    runner = ["worker.gevent_main"] if pool is Pool.DELIVERY else ["dramatiq"]
    _, threads = size(settings, pool)
    return [
        sys.executable,
        "-m",
        *runner,
        "worker.entry:setup",
        *extra_modules,
        "--processes",
        "1",
        "--threads",
        str(threads),
        # Dramatiq's own drain on SIGTERM: stop fetching, let running jobs finish this long
        # (core.queueing.handback gives back what is still running after it).
        "--worker-shutdown-timeout",
        str(int(settings.worker.shutdown_grace_s * 1000)),
        "--queues",
        *(queues or names(pool)),
    ]


def lanes(settings: Settings, extra_modules: list[str], pool: Pool = Pool.WORKER) -> list[Lane]:
    """The commands of ``pool``'s processes, with their counts and niceness.

    With ``WORKER_BULK_PROCESSES`` the worker pool's ``bulk`` queue gets processes of its
    own, at ``WORKER_BULK_NICE``: a flood of bulk jobs then shares neither a GIL nor, when
    the CPU is short, the CPU with ``critical`` and ``default`` (docs/decisions/0038).
    """
    processes, _ = size(settings, pool)
    cfg = settings.worker
    if pool is Pool.DELIVERY or cfg.bulk_processes == 0:
        return [Lane(command(settings, extra_modules, pool), processes)]
    urgent = (Queue.CRITICAL.value, Queue.DEFAULT.value)
    return [
        Lane(command(settings, extra_modules, pool, urgent), processes),
        Lane(
            command(settings, extra_modules, pool, (Queue.BULK.value,)),
            cfg.bulk_processes,
            nice=cfg.bulk_nice,
        ),
    ]


def main(argv: list[str]) -> int:
    """Supervise the dramatiq CLI of one pool until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m worker")
    parser.add_argument("--pool", choices=[p.value for p in Pool], default=Pool.WORKER.value)
    parser.add_argument("modules", nargs="*", help="extra modules to import (tests' actors)")
    args = parser.parse_args(argv)
    pool = Pool(args.pool)
    settings = Settings.from_env()  # an invalid value stops here, before any worker starts
    # Its own session: a SIGTERM to our process group (honcho's) reaches Dramatiq once, from
    # us; a second one would make its worker processes exit at once, without draining.
    return supervise_lanes(
        lanes(settings, args.modules, pool),
        name=pool.value,
        own_session=True,
        stop_timeout_s=settings.worker.shutdown_grace_s + 15,
        metrics_root=settings.metrics_dir,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
