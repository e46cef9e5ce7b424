"""Two pools: slow deliveries wait in the gevent delivery pool, not in the CPU pool's threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis
from dramatiq.brokers.redis import RedisBroker

from core.settings import Settings
from tests.support.actors import effect, slow_call, where_bulk, where_default
from tests.support.stack import WorkerProcess, wait_for

SLOW_CALLS = 40
HOLD_AT_MOST_S = 30.0  # the sink answers by then even if the test never releases it


class _Sink:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.answered = 0
        self.release = threading.Event()


@contextmanager
def slow_sink() -> Iterator[tuple[str, _Sink]]:
    """A loopback HTTP server that holds every request until released (bounded)."""
    sink = _Sink()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with sink.lock:
                sink.in_flight += 1
            sink.release.wait(HOLD_AT_MOST_S)
            with sink.lock:
                sink.in_flight -= 1
                sink.answered += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", sink
    finally:
        sink.release.set()
        server.shutdown()
        server.server_close()


def _os_threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def test_slow_deliveries_do_not_delay_a_default_job(
    settings: Settings, broker: RedisBroker, tmp_path: Path
) -> None:
    cache = redis.Redis.from_url(settings.cache.url)
    worker = WorkerProcess(settings, tmp_path / "worker.log", WORKER_THREADS="2")
    delivery = WorkerProcess(
        settings, tmp_path / "delivery.log", pool="delivery", DELIVERY_GREENLETS="64"
    )
    with slow_sink() as (url, sink):
        worker.start()
        delivery.start()
        try:
            for _ in range(SLOW_CALLS):
                slow_call.send(url, "slow")
            # Every slow call is waiting at once in the delivery pool...
            wait_for(lambda: sink.in_flight == SLOW_CALLS, timeout=40)
            # ... on a handful of OS threads, not one per call.
            for pid in delivery.dramatiq_children():
                assert _os_threads(pid) < SLOW_CALLS // 2, pid
            # A default-queue job runs meanwhile: no slow call has been answered yet.
            effect.send("fast")
            wait_for(lambda: cache.get("fast:effect") == b"1", timeout=30)
            assert sink.answered == 0
            sink.release.set()
            wait_for(lambda: cache.get("slow:effect") == str(SLOW_CALLS).encode(), timeout=40)
        finally:
            worker.stop()
            delivery.stop()
            cache.close()


def test_bulk_runs_in_processes_of_its_own_at_a_lower_priority(
    settings: Settings, broker: RedisBroker, tmp_path: Path
) -> None:
    """WORKER_BULK_PROCESSES (docs/decisions/0038): bulk jobs run in niced processes that
    take no critical or default message, and default jobs in the others, not niced."""
    cache = redis.Redis.from_url(settings.cache.url)
    worker = WorkerProcess(
        settings,
        tmp_path / "worker.log",
        WORKER_PROCESSES="1",
        WORKER_BULK_PROCESSES="1",
        WORKER_BULK_NICE="5",
    )
    worker.start()
    try:
        base = os.nice(0)
        for n in range(6):
            where_default.send(f"lanes:default:{n}")
            where_bulk.send(f"lanes:bulk:{n}")

        def seen(kind: str) -> set[tuple[int, int]]:
            """(pid, niceness) of the processes that ran the jobs of ``kind``, once all ran."""
            out = set()
            for n in range(6):
                value = cache.get(f"lanes:{kind}:{n}")
                if value is None:
                    return set()
                text = value.decode() if isinstance(value, bytes) else str(value)
                pid, nice = text.split(":")
                out.add((int(pid), int(nice)))
            return out

        wait_for(lambda: seen("default") and seen("bulk"), timeout=60)
        (default_pid, default_nice), *more_default = seen("default")
        (bulk_pid, bulk_nice), *more_bulk = seen("bulk")
        # One process each: every default job in one, every bulk job in the other.
        assert not more_default and not more_bulk
        assert default_pid != bulk_pid
        assert default_nice == base
        assert bulk_nice == min(base + 5, 19)
    finally:
        worker.stop()
        cache.close()
