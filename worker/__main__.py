"""``python -m worker [MODULE ...]``: run Dramatiq workers and restart them if they die.

Dramatiq's CLI shuts every worker process down when one dies (a message that kills its
process would take the whole fleet down with it, and honcho would then stop the rest of
the platform); this supervisor restarts it, with backoff, until told to stop.
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
        str(settings.worker.processes),
        "--threads",
        str(settings.worker.threads),
        "--queues",
        *NAMES,
    ]


def main(argv: list[str]) -> int:
    """Supervise the dramatiq CLI until SIGTERM or SIGINT."""
    settings = Settings.from_env()  # an invalid value stops here, before any worker starts
    return supervise(command(settings, argv), name="worker", metrics_root=settings.metrics_dir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
