"""``python -m worker [MODULE ...]``: run Dramatiq workers and restart them if they die.

Dramatiq's CLI shuts every worker process down when one dies (a message that kills its
process would take the whole fleet down with it, and honcho would then stop the rest of
the platform). So we run ``WORKER_PROCESSES`` Dramatiq commands of one process each, side
by side, and restart each on its own, with backoff, until told to stop: a worker killed
mid-job costs that process only (the chaos run measured up to 58 s without any worker when
one SIGKILL restarted them all).
"""

from __future__ import annotations

import sys

from core.queueing.queues import NAMES
from core.settings import Settings
from worker.supervise import supervise


def command(settings: Settings, extra_modules: list[str]) -> list[str]:
    """The dramatiq command line, sized from ``settings.worker``."""
    return [
        sys.executable,
        "-m",
        "dramatiq",
        "worker.entry:setup",
        *extra_modules,
        "--processes",
        "1",
        "--threads",
        str(settings.worker.threads),
        # Dramatiq's own drain on SIGTERM: stop fetching, let running jobs finish this long
        # (core.queueing.handback gives back what is still running after it).
        "--worker-shutdown-timeout",
        str(int(settings.worker.shutdown_grace_s * 1000)),
        "--queues",
        *NAMES,
    ]


def main(argv: list[str]) -> int:
    """Supervise the dramatiq CLI until SIGTERM or SIGINT."""
    settings = Settings.from_env()  # an invalid value stops here, before any worker starts
    # Its own session: a SIGTERM to our process group (honcho's) reaches Dramatiq once, from
    # us; a second one would make its worker processes exit at once, without draining.
    return supervise(
        command(settings, argv),
        name="worker",
        own_session=True,
        stop_timeout_s=settings.worker.shutdown_grace_s + 15,
        copies=settings.worker.processes,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
