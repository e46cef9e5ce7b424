"""The nemesis of ``make chaos``: seeded faults from issue 12's list, one at a time.

Each fault is injected, held, and healed (or left to the platform to heal: a killed process
is restarted by its supervisor). Holds scale with ``hold_scale`` so the short run in
``make test`` uses the same faults with shorter holds.
"""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.support.chaos_stack import Stack, signal_pid

# How long a stopped worker stays stopped past the heartbeat timeout (10 s in STACK_ENV).
HEARTBEAT_S = 10.0


@dataclass
class Fault:
    """One injected fault: what, when it started, when it was healed, and details."""

    kind: str
    started: float
    healed: float = 0.0
    detail: str = ""


class Nemesis:
    """Inject faults into ``stack``, chosen by ``rng``.

    Parameters:
      stack: the running stack.
      rng: the seeded random source (the run's seed makes the fault sequence repeatable).
      hold_scale: multiplies every hold (1.0: the full holds, e.g. a 30 s broker pause).
    """

    def __init__(self, stack: Stack, rng: random.Random, *, hold_scale: float = 1.0) -> None:
        self.stack = stack
        self.rng = rng
        self.scale = hold_scale
        self.kinds: dict[str, Callable[[Fault], None]] = {
            "worker-kill": self.worker_kill,
            "scheduler-kill": self.scheduler_kill,
            "worker-stop": self.worker_stop,
            "broker-pause": self.broker_pause,
            "broker-restart": self.broker_restart,
            "cache-down": self.cache_down,
            "postgres-restart": self.postgres_restart,
            "two-schedulers": self.two_schedulers,
            "web-kill": self.web_kill,
        }

    def plan(self, count: int, kinds: list[str] | None = None) -> list[str]:
        """``count`` fault kinds: every kind once per round, in a seeded order."""
        names = list(kinds or self.kinds)
        out: list[str] = []
        while len(out) < count:
            round_ = names[:]
            self.rng.shuffle(round_)
            out.extend(round_)
        return out[:count]

    def inject(self, kind: str) -> Fault:
        """Inject one fault of ``kind``, hold it, heal it; return what happened."""
        fault = Fault(kind=kind, started=time.monotonic())
        self.kinds[kind](fault)
        fault.healed = time.monotonic()
        return fault

    def _hold(self, seconds: float) -> None:
        time.sleep(max(0.5, seconds * self.scale))

    # -- the faults ----------------------------------------------------------------------
    def worker_kill(self, fault: Fault) -> None:
        workers = self.stack.dramatiq_workers()
        if workers:
            pid = self.rng.choice(workers)
            signal_pid(pid, signal.SIGKILL)
            fault.detail = f"SIGKILL dramatiq worker {pid}"

    def scheduler_kill(self, fault: Fault) -> None:
        for pid in self.stack.pids("scheduler", r"^\S*python\S* -m worker\.scheduler$"):
            if signal_pid(pid, signal.SIGKILL):
                fault.detail = f"SIGKILL scheduler {pid} (relay and lease)"
                return

    def worker_stop(self, fault: Fault) -> None:
        workers = self.stack.dramatiq_workers()
        if not workers:
            return
        pid = self.rng.choice(workers)
        signal_pid(pid, signal.SIGSTOP)
        fault.detail = f"SIGSTOP dramatiq worker {pid} past its heartbeat"
        try:
            # Past the heartbeat timeout, whatever the scale: its messages must be taken over.
            time.sleep(HEARTBEAT_S + max(2.0, 5.0 * self.scale))
        finally:
            signal_pid(pid, signal.SIGCONT)

    def broker_pause(self, fault: Fault) -> None:
        pid = self.stack.redis_pid("broker")
        if pid is None:
            return
        signal_pid(pid, signal.SIGSTOP)
        fault.detail = f"SIGSTOP broker Redis {pid} for {30 * self.scale:.0f}s"
        try:
            self._hold(30)
        finally:
            signal_pid(pid, signal.SIGCONT)

    def broker_restart(self, fault: Fault) -> None:
        pid = self.stack.redis_pid("broker")
        if pid is not None:
            signal_pid(pid, signal.SIGKILL)
            _wait_gone(pid)
        fault.detail = "SIGKILL broker Redis, restarted from its AOF"
        self._hold(3)
        self.stack.services("start")

    def cache_down(self, fault: Fault) -> None:
        pid = self.stack.redis_pid("cache")
        if pid is not None:
            signal_pid(pid, signal.SIGKILL)
            _wait_gone(pid)
        fault.detail = f"cache Redis down for {15 * self.scale:.0f}s (restarted empty)"
        self._hold(15)
        self.stack.services("start")

    def postgres_restart(self, fault: Fault) -> None:
        self.stack.pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
        fault.detail = f"PostgreSQL fast stop, down {5 * self.scale:.0f}s, restarted"
        self._hold(5)
        self.stack.services("start")

    def two_schedulers(self, fault: Fault) -> None:
        second = self.stack.start_process("scheduler", extra=True)
        fault.detail = f"a second scheduler for {20 * self.scale:.0f}s"
        try:
            self._hold(20)
        finally:
            self.stack.stop_process(second)
            self.stack.extra.remove(second)

    def web_kill(self, fault: Fault) -> None:
        # gunicorn's master or one of its workers, never the supervisor above them.
        pids = self.stack.pids("web", r"^\S*python\S* \S*gunicorn |^gunicorn: ")
        if pids:
            pid = self.rng.choice(pids)
            signal_pid(pid, signal.SIGKILL)
            fault.detail = f"SIGKILL web process {pid} mid-request"


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return
        except OSError:
            return
        time.sleep(0.05)
