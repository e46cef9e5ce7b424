"""Real processes for end-to-end tests: a private Redis, a worker, a relay."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from dramatiq import Broker

from core.queueing.relay import Relay
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
#: How long a test gives each cold start of a worker (a new interpreter importing the app):
#: 1.3-2.7 s alone, 2.5-7 s under coverage, and up to 30 s under coverage beside the other
#: test process on the 2-core box (measured 2026-12-07). A wait that spans restarts allows
#: this for each of them.
BOOT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


class RedisServer:
    """A private ``redis-server`` with AOF, that a test may stop and start."""

    def __init__(self, directory: Path, *, policy: str = "noeviction") -> None:
        self.port = free_port()
        self.dir = directory
        self.policy = policy
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--maxmemory-policy",
                self.policy,
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def uncovered_env() -> dict[str, str]:
    """``os.environ`` without coverage's subprocess hook (``COVERAGE_*``).

    For processes that test the whole stack from outside (the short chaos run, the
    fuzzer): their code paths are covered by the focused tests, and tracing every process
    of a stack only slows it down.
    """
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a SalesHub process gets in tests."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database.url,
        "BROKER_URL": settings.broker.url,
        "BROKER_KIND": settings.broker.kind,
        "RABBITMQ_URL": settings.broker.rabbitmq_url,
        "RELAY_BATCH_SIZE": str(settings.broker.relay_batch_size),
        "CACHE_URL": settings.cache.url,
        "HEARTBEAT_TIMEOUT_MS": str(settings.worker.heartbeat_timeout_ms),
        "MAINTENANCE_INTERVAL_S": str(settings.worker.maintenance_interval_s),
        "RESEND_AFTER_S": str(settings.broker.resend_after_s),
        "MAX_ATTEMPTS": str(settings.worker.max_attempts),
        "SMTP_PORT": str(settings.notify.smtp_port),
        "WORKER_PROCESSES": "1",
        # One process for every queue, as these tests count and kill them (the bulk lane's
        # layout is tested in tests/core/queueing/test_queues.py, tests/worker/test_pools.py
        # and tests/worker/test_supervise.py).
        "WORKER_BULK_PROCESSES": "0",
        "WORKER_THREADS": "2",
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


class WorkerProcess:
    """``python -m worker --pool POOL tests.support.actors``: one supervised Dramatiq pool."""

    def __init__(self, settings: Settings, log: Path, *, pool: str = "worker", **env: str) -> None:
        self.settings = settings
        self.log = log
        self.pool = pool
        self.env = env
        # Run the command under this prefix, e.g. ``ip netns exec NODE`` (tests.support.netns).
        self.prefix: list[str] = []
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    *self.prefix,
                    *(sys.executable, "-m", "worker", "--pool", self.pool, "tests.support.actors"),
                ],
                cwd=ROOT,
                env=process_env(self.settings, **self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def dramatiq_children(self) -> list[int]:
        """Pids of the Dramatiq processes: its main process (the supervisor's child, in a
        session of its own) and the worker processes it forked."""
        assert self.proc is not None
        pids: list[int] = []
        parents = [self.proc.pid]
        while parents:
            out = subprocess.run(
                ["pgrep", "-f", "-P", ",".join(map(str, parents)), "worker.entry:setup"],
                capture_output=True,
                text=True,
            ).stdout.split()
            parents = [int(p) for p in out]
            pids += parents
        return pids

    def stop(self) -> None:
        if self.proc is None:
            return
        children = self.dramatiq_children()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            for pid in [self.proc.pid, *children]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait(5)
        self.proc = None
        # pytest shows what a test printed only when it failed: then this log's end is there.
        print(f"--- last lines of {self.log.name} ---\n{self.tail()}")

    def tail(self, lines: int = 80) -> str:
        """The last ``lines`` lines of this process's log."""
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class RelayThread:
    """The outbox relay in a thread of the test process."""

    def __init__(self, settings: Settings, broker: Broker) -> None:
        self.relay = Relay(settings, broker)
        self.thread = threading.Thread(target=self.relay.run, daemon=True)

    def __enter__(self) -> Relay:
        self.thread.start()
        return self.relay

    def __exit__(self, *exc: object) -> None:
        self.relay.stop()
        self.thread.join(15)


class ServeApp:
    """The Flask app on a real threaded server on 127.0.0.1 (websockets need one)."""

    def __init__(self, app: Any) -> None:
        from werkzeug.serving import make_server

        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)

    def __enter__(self) -> ServeApp:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"


class GunicornProcess:
    """``gunicorn`` serving ``web:create_app(...)`` as a Procfile entry does (web or realtime).

    Parameters:
      settings: the test settings, passed as environment variables.
      log: file the server's output goes to.
      worker_class: ``gthread`` (web) or ``gevent`` (realtime).
      app: the application spec, e.g. ``web:create_app(websockets=False)``.
      args: more gunicorn options; env: more environment variables.
    """

    def __init__(
        self,
        settings: Settings,
        log: Path,
        *,
        worker_class: str,
        app: str = "web:create_app()",
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.log = log
        self.argv = [
            sys.executable, "-m", "gunicorn", "--no-control-socket",
            "--worker-class", worker_class, "--workers", "1",
            "--bind", f"127.0.0.1:{self.port}", *args, app,
        ]  # fmt: skip
        self.env = process_env(settings, **(env or {}))
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> GunicornProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for(self._answers, timeout=30, interval=0.2)
        return self

    def _answers(self) -> bool:
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-2000:]
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                return s.recv(12).startswith(b"HTTP/1")
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"
