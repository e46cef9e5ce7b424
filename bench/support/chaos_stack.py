"""The stack ``make chaos`` runs and breaks: ``make run``'s scripts, under ``var/chaos``.

Private PostgreSQL and Redis come from ``scripts/services.sh`` (with ``SERVICES_VAR`` so they
are not the ones ``make run``/``make test`` use), migrations from Alembic, the API key from
``flask users create``, and web, both worker pools, scheduler and the mail sink from the
``Procfile`` lines, each in a process group of its own, exactly as honcho would start them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bench.support.common import ROOT, free_port

# The Procfile entries the run needs (the realtime process serves only websockets).
PROCESSES = ("web", "worker", "delivery", "scheduler", "mail")
# Settings of the stack: faster failure detection than the defaults, so a run is short.
STACK_ENV = {
    "HEARTBEAT_TIMEOUT_MS": "10000",
    "MAINTENANCE_INTERVAL_S": "2",
    "RESEND_AFTER_S": "15",
    "SCHEDULER_LEASE_TTL_MS": "5000",
    "RELAY_SILENT_S": "30",
    "CANARY_INTERVAL_S": "5",
    "WORKER_SHUTDOWN_GRACE_S": "5",
    "WORKER_PROCESSES": "2",
    "WORKER_THREADS": "8",
    "WEB_WORKERS": "2",
    "WEB_THREADS": "8",
    "DB_POOL_SIZE": "5",
    "ORG_MAX_ACTIVE_JOBS": "1000000",
    # The probes come from one key of one org at up to 40 a second: the default per-key
    # limits (300 writes and 60 jobs a minute) would make them mostly 429s and stretch a
    # full run past an hour. The limiter stays on, its Redis calls on the request path.
    "RATE_LIMIT_WRITES": "100000/minute",
    "RATE_LIMIT_ORG_WRITES": "100000/minute",
    "RATE_LIMIT_JOBS": "100000/minute",
    "RATE_LIMIT_ORG_JOBS": "100000/minute",
    "ACCESS_LOG": "0",
    "LOG_LEVEL": "WARNING",
    "GUNICORN_CMD_ARGS": "--no-control-socket",
}
_SERVICE_VARS = re.compile(r"^(TEST_)?(DATABASE|BROKER|CACHE)_URL$")


def children(pid: int) -> list[int]:
    """Direct children of ``pid``."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``."""
    found: list[int] = []
    todo = children(pid)
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children(p))
    return found


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def signal_pid(pid: int, sig: signal.Signals) -> bool:
    """Send ``sig`` to ``pid``; False if it is gone."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


class Stack:
    """Services, migrations, an admin key and the Procfile processes, under ``var/chaos``.

    Parameters:
      workdir: where the services keep their data and the processes their logs.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.env_file = workdir / ".env"
        self.port = free_port()
        self.env: dict[str, str] = {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.extra: list[subprocess.Popen[bytes]] = []
        self.key = ""

    # -- services ------------------------------------------------------------------------
    def services(self, command: str) -> None:
        """``scripts/services.sh COMMAND`` on this stack's directory."""
        env = {k: v for k, v in os.environ.items() if not _SERVICE_VARS.match(k)}
        env.update(SERVICES_VAR=str(self.workdir), SERVICES_ENV_FILE=str(self.env_file))
        subprocess.run(
            [str(ROOT / "scripts" / "services.sh"), command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )

    def start(self) -> None:
        """Fresh services, migrated; an admin key; then every process."""
        if self.workdir.exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self.services("stop")
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        self.services("start")
        urls = {k: v for k, v in dotenv_values(self.env_file).items() if v}
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **{k: v for k, v in os.environ.items() if not _SERVICE_VARS.match(k)},
            **urls,
            **STACK_ENV,
            "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
            "PORT": str(self.port),
            "SMTP_PORT": str(free_port()),
            "PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "PYTHONPATH": str(ROOT),
        }
        self.run_cli(["alembic", "upgrade", "head"])
        out = self.run_cli(
            ["flask", "users", "create", "--org", "Chaos", "--email", "admin@chaos.test",
             "--role", "admin"]
        )  # fmt: skip
        self.key = out.strip().splitlines()[-1]
        for name in PROCESSES:
            self.start_process(name)

    def run_cli(self, argv: list[str]) -> str:
        """A command of the venv against this stack; its output."""
        bin_dir = Path(sys.executable).parent
        done = subprocess.run(
            [str(bin_dir / argv[0]), *argv[1:]],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{argv} failed: {done.stderr[-2000:]}")
        return done.stdout

    # -- processes -----------------------------------------------------------------------
    def procfile(self) -> dict[str, str]:
        """The Procfile's commands by name."""
        lines = (ROOT / "Procfile").read_text().splitlines()
        return dict(line.split(": ", 1) for line in lines if ": " in line)

    def start_process(self, name: str, *, extra: bool = False) -> subprocess.Popen[bytes]:
        """Start one Procfile entry (as honcho does: ``sh -c``, a process group of its own)."""
        log = (self.workdir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            ["/bin/sh", "-c", self.procfile()[name]],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if extra:
            self.extra.append(proc)
        else:
            self.procs[name] = proc
        return proc

    def stop_process(self, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
        """SIGTERM its group (as honcho does), wait, then SIGKILL whatever is left."""
        tree = [proc.pid, *descendants(proc.pid)]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
        for pid in tree:
            signal_pid(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)

    def pids(self, name: str, pattern: str) -> list[int]:
        """Pids under the Procfile entry ``name`` whose command line matches ``pattern``."""
        proc = self.procs[name]
        found = []
        for pid in descendants(proc.pid):
            try:
                raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                cmdline = raw.replace(b"\0", b" ").decode().strip()
            except OSError:
                continue
            if re.search(pattern, cmdline):
                found.append(pid)
        return found

    def dramatiq_workers(self) -> list[int]:
        """The Dramatiq worker processes (children of its main process)."""
        matches = self.pids("worker", r"dramatiq worker\.entry")
        mains = [p for p in matches if _ppid(p) not in matches]
        return [c for m in mains for c in children(m)]

    def redis_pid(self, role: str) -> int | None:
        """The pid of the broker or cache Redis."""
        path = self.workdir / f"redis-{role}" / "redis.pid"
        with contextlib.suppress(OSError, ValueError):
            return int(path.read_text().strip())
        return None

    def pg_ctl(self, *args: str) -> None:
        """``pg_ctl`` on this stack's data directory, as the postgres user when root."""
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        argv = [str(bindir / "pg_ctl"), *args, "-D", str(self.workdir / "pg")]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, cwd="/", check=False, capture_output=True, timeout=120)

    def stop(self) -> None:
        """Every process, then the services (their data stays in ``workdir``)."""
        for proc in [*self.extra, *self.procs.values()]:
            self.stop_process(proc, timeout=20)
        with contextlib.suppress(subprocess.SubprocessError):
            self.services("stop")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self, **extra: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **extra}

    def wait_healthy(self, timeout: float = 60) -> None:
        """Until ``/health`` answers (any status: the relay may not have reported yet)."""
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/health", timeout=2).status_code in (200, 503):
                    return
            time.sleep(0.2)
        raise RuntimeError("the web process did not answer /health")
