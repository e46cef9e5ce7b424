"""The outbox relay alone in its own process (no schedules), until SIGTERM.

``python bench/support/relay_proc.py``; settings from the environment, read as
``worker.scheduler`` reads them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import worker.entry  # noqa: F401 - declares every actor
from bench.support import noop_actors  # noqa: F401
from core.queueing.broker import configure
from core.queueing.relay import Relay
from core.settings import Settings


def main() -> int:
    if os.environ.get("BENCH_PROBE_DIR"):  # bench/jobs.py --probe
        os.environ["BENCH_PROBE_ROLE"] = "relay"
        from bench.support import quiet_probe

        quiet_probe.install("relay")
    settings = Settings.from_env()
    relay = Relay(settings, configure(settings))  # type: ignore[arg-type]
    signal.signal(signal.SIGTERM, lambda *_: relay.stop())
    signal.signal(signal.SIGINT, lambda *_: relay.stop())
    thread = threading.Thread(target=relay.run, name="relay", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
