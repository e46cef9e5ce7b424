"""``python -m worker.supervise COMMAND ...``: run a command and restart it when it exits.

Under ``make run`` honcho stops every process as soon as one exits; each Procfile entry
runs under this supervisor instead, so a scheduler, web server or mail sink that dies
comes back (with backoff) and nothing else stops. SIGTERM or SIGINT is passed on to the
command, and then the supervisor exits with it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType

FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 10.0
HEALTHY_AFTER_S = 30.0


def supervise(argv: list[str], *, name: str | None = None) -> int:
    """Run ``argv`` until SIGTERM or SIGINT, restarting it with backoff whenever it exits."""
    name = name or argv[0]
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    previous: dict[int, Callable[..., object] | int | None] = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        backoff = FIRST_BACKOFF_S
        while not stopping:
            started = time.monotonic()
            child = subprocess.Popen(argv)
            code = child.wait()
            if stopping:
                return 0
            if time.monotonic() - started > HEALTHY_AFTER_S:
                backoff = FIRST_BACKOFF_S
            print(f"{name} exited with {code}; restarting in {backoff:.1f}s", file=sys.stderr)
            time.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str]) -> int:
    """Entry point: ``python -m worker.supervise COMMAND [ARG ...]``."""
    if not argv:
        print("usage: python -m worker.supervise COMMAND [ARG ...]", file=sys.stderr)
        return 2
    return supervise(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
