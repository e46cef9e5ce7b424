"""``python -m worker [MODULE ...]``: run Dramatiq workers and restart them if they die.

Dramatiq's CLI shuts every worker process down when one dies (a message that kills its
process would take the whole fleet down with it, and honcho would then stop the rest of
the platform); this supervisor restarts it, with backoff, until told to stop.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

from core.queueing.queues import NAMES
from core.settings import Settings


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
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    backoff = 0.5
    while not stopping:
        started = time.monotonic()
        child = subprocess.Popen(command(settings, argv))
        code = child.wait()
        if stopping:
            return 0
        if time.monotonic() - started > 30:
            backoff = 0.5
        print(f"worker exited with {code}; restarting in {backoff:.1f}s", file=sys.stderr)
        time.sleep(backoff)
        backoff = min(backoff * 2, 10.0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
