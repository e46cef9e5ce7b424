"""gunicorn config for ``bench/ws.py --profile-memory``: tracemalloc snapshots on request.

The bench writes a label to ``$BENCH_WS_PROFILE.go``; the worker answers with the
allocations grown since its first snapshot (taken at 0 sockets), grouped by the line that
made them, in ``$BENCH_WS_PROFILE.<label>.txt``, then removes the ``.go`` file. Profiling
only: tracemalloc slows every allocation, so no latency figure comes from such a run.
"""

from __future__ import annotations

import os
import tracemalloc
from typing import Any


def post_worker_init(worker: Any) -> None:
    import gevent

    prefix = os.environ["BENCH_WS_PROFILE"]
    # BENCH_WS_PROFILE_FRAMES > 1: grouped by call stack (that many frames), not by line.
    frames = int(os.environ.get("BENCH_WS_PROFILE_FRAMES", "1"))
    tracemalloc.start(frames)

    def serve() -> None:
        base: tracemalloc.Snapshot | None = None
        while True:
            gevent.sleep(0.2)
            if not os.path.exists(prefix + ".go"):
                continue
            with open(prefix + ".go") as f:
                label = f.read().strip()
            snap = tracemalloc.take_snapshot()
            lines = []
            if base is None:
                base = snap
            else:
                diff = snap.compare_to(base, "traceback" if frames > 1 else "lineno")
                total = sum(stat.size_diff for stat in diff) / 1024
                lines.append(f"{total:10.1f} KB in all")
                for stat in diff[:30]:
                    lines.append(
                        f"{stat.size_diff / 1024:10.1f} KB {stat.count_diff:8d} {stat.traceback}"
                    )
                    if frames > 1:
                        lines.extend(f"    {line}" for line in stat.traceback.format()[:-2])
            with open(f"{prefix}.{label}.txt", "w") as f:
                f.write("\n".join(lines) + "\n")
            os.remove(prefix + ".go")

    gevent.spawn(serve)
