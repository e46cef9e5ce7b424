"""Read by gunicorn from the working folder (its default ``--config``): hooks only.

Options stay on the command lines (Procfile, docker-compose.yml), where they are visible.
"""

from __future__ import annotations

import os
from typing import Any


def child_exit(_server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges from the Prometheus multiprocess files."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
