"""``python -m worker.supervise COMMAND ...``: run a command and restart it when it exits.

Under ``make run`` honcho stops every process as soon as one exits; each Procfile entry
runs under this supervisor instead, so a scheduler, web server or mail sink that dies
comes back (with backoff) and nothing else stops. SIGTERM or SIGINT is passed on to the
command, and then the supervisor waits for it to exit (its drain) and exits with it.

The command runs in a session of its own: a SIGTERM honcho sends to our process group
reaches it once, through us (Dramatiq's workers exit at once on a second one), and when it
dies whatever it left in its group is killed before the restart (a SIGKILLed gunicorn
master leaves workers that hold its port, and the new master could not bind it). It gets
SIGTERM if the supervisor itself dies, so it is never left running alone.

It also gives the command its Prometheus multiprocess folder (``PROMETHEUS_MULTIPROC_DIR``):
``METRICS_DIR/<command>-<hash of its arguments>`` unless the environment names one, emptied
when the supervisor starts (its copies share it and keep it across their restarts), since
files of processes from an earlier run would otherwise be
added to every scrape forever.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 10.0
HEALTHY_AFTER_S = 30.0


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_folder(argv: list[str], root: str) -> Path | None:
    """The multiprocess folder of ``argv``: the environment's, or one of its own under ``root``.

    Named by the command line, so web and realtime (both gunicorn) never share one, and a
    restarted ``make run`` reuses (and empties) the same folder instead of adding one.
    """
    if os.environ.get(MULTIPROC_ENV):
        return Path(os.environ[MULTIPROC_ENV])
    if not root:
        return None
    words = [w for w in argv if not w.startswith("-") and "/" not in w and w != "python"]
    label = re.sub(r"[^A-Za-z0-9_.]+", "-", words[0] if words else "process")[:40]
    digest = hashlib.sha256("\0".join(argv).encode()).hexdigest()[:10]
    return Path(root) / f"{label}-{digest}"


def _fresh(folder: Path | None) -> dict[str, str]:
    """The child's environment, with ``folder`` emptied and named in it."""
    env = dict(os.environ)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        env[MULTIPROC_ENV] = str(folder)
    return env


@dataclass(frozen=True)
class Lane:
    """One command and how many copies of it to run, at which niceness.

    Parameters:
      argv: the command.
      copies: how many to run side by side, each restarted on its own.
      nice: added to the copies' niceness (``os.nice``) before they start, and the nice of
        their session's autogroup when they have a session of their own; 0 leaves both.
    """

    argv: list[str]
    copies: int = 1
    nice: int = 0


def supervise(
    argv: list[str],
    *,
    name: str | None = None,
    own_session: bool = True,
    stop_timeout_s: float | None = None,
    copies: int = 1,
    metrics_root: str = "",
) -> int:
    """Run ``copies`` of ``argv`` until SIGTERM or SIGINT, restarting each with backoff
    whenever it exits.

    Parameters:
      argv: the command.
      name: its name in messages (default: ``argv[0]``).
      own_session: start it in a session of its own (default), so a signal sent to our
        process group reaches it only through us (once), and kill what it leaves behind.
      stop_timeout_s: after passing on SIGTERM, wait this long for it to exit, then
        SIGKILL it (its whole session with ``own_session``); None waits without end.
      copies: how many to run side by side, each restarted on its own.
      metrics_root: where its Prometheus multiprocess folder goes (see :func:`metrics_folder`);
        emptied once here, shared by the copies and kept across their restarts.
    """
    return supervise_lanes(
        [Lane(argv, copies)],
        name=name or argv[0],
        own_session=own_session,
        stop_timeout_s=stop_timeout_s,
        metrics_root=metrics_root,
    )


def supervise_lanes(
    lanes: Sequence[Lane],
    *,
    name: str,
    own_session: bool = True,
    stop_timeout_s: float | None = None,
    metrics_root: str = "",
) -> int:
    """:func:`supervise` for several commands at once (a pool whose processes do not all
    take the same queues): each lane's copies share its metrics folder and niceness."""
    envs = [_fresh(metrics_folder(lane.argv, metrics_root)) for lane in lanes]
    stopping: float | None = None
    slots = [
        _Slot(lane, env, own_session=own_session)
        for lane, env in zip(lanes, envs, strict=True)
        for _ in range(lane.copies)
    ]
    copies = len(slots)

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping is None:
            stopping = time.monotonic()
            for slot in slots:
                if slot.child is not None and slot.child.poll() is None:
                    slot.child.send_signal(signal.SIGTERM)

    previous: dict[int, Callable[..., object] | int | None] = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while True:
            now = time.monotonic()
            for i, slot in enumerate(slots):
                if slot.child is None:
                    if stopping is None and now >= slot.restart_at:
                        slot.started = now
                        slot.child = subprocess.Popen(
                            slot.lane.argv,
                            env=slot.env,
                            start_new_session=own_session,
                            preexec_fn=slot.before_exec,
                        )
                    continue
                code = slot.child.poll()
                if code is None:
                    if (
                        stopping is not None
                        and stop_timeout_s is not None
                        and not slot.killed
                        and now - stopping > stop_timeout_s
                    ):
                        _kill(slot.child, own_session, stop_timeout_s)
                        slot.killed = True
                    continue
                if own_session:
                    _kill_group(slot.child.pid)
                slot.child, slot.killed = None, False
                if stopping is not None:
                    continue
                if now - slot.started > HEALTHY_AFTER_S:
                    slot.backoff = FIRST_BACKOFF_S
                label = name if copies == 1 else f"{name} {i + 1}"
                print(
                    f"{label} exited with {code}; restarting in {slot.backoff:.1f}s",
                    file=sys.stderr,
                )
                slot.restart_at = now + slot.backoff
                slot.backoff = min(slot.backoff * 2, MAX_BACKOFF_S)
            if stopping is not None and all(slot.child is None for slot in slots):
                return 0
            time.sleep(0.1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Slot:
    """One supervised copy: its process, when it started, and its restart backoff."""

    def __init__(self, lane: Lane, env: dict[str, str], *, own_session: bool) -> None:
        self.lane = lane
        self.env = env
        self.own_session = own_session
        self.child: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.restart_at = 0.0
        self.backoff = FIRST_BACKOFF_S
        self.killed = False

    def before_exec(self) -> None:
        """In the child, before exec: its niceness, and its death with the supervisor."""
        if self.lane.nice:
            os.nice(self.lane.nice)
            if self.own_session:
                _nice_autogroup(self.lane.nice)
        _die_with_parent()


def _nice_autogroup(nice: int) -> None:
    """In the child, after ``setsid``: give its new autogroup the lane's niceness.

    With ``kernel.sched_autogroup_enabled`` (most desktop and many server kernels) a new
    session is a new autogroup, and CFS shares the CPU between autogroups first, each at
    its own nice (0 when created): a process's own niceness then weighs only against the
    processes of its session, so a niced lane in a session of its own would still take
    as much CPU as the API's session. The lane's value, not the process's niceness, since
    the sibling sessions' autogroups start at 0 whatever the supervisor's niceness.
    Kernels without autogroups have no such file (nothing to do); lowering the nice of
    an autogroup needs ``CAP_SYS_NICE``, as ``os.nice`` does (the error is ignored here).
    """
    with contextlib.suppress(OSError):
        fd = os.open("/proc/self/autogroup", os.O_WRONLY)
        try:
            os.write(fd, str(max(-20, min(nice, 19))).encode())
        finally:
            os.close(fd)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies (Linux ``PR_SET_PDEATHSIG``)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def _kill_group(pgid: int) -> None:
    """SIGKILL what is left in the process group ``pgid`` of a command that exited."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _kill(child: subprocess.Popen[bytes], own_session: bool, after_s: float) -> None:
    """SIGKILL a command still running ``after_s`` after SIGTERM (its group with a session)."""
    print(f"still running {after_s:.0f}s after SIGTERM: killed", file=sys.stderr)
    with contextlib.suppress(ProcessLookupError):
        if own_session:
            os.killpg(child.pid, signal.SIGKILL)
        else:
            child.kill()


def main(argv: list[str]) -> int:
    """Entry point: ``python -m worker.supervise COMMAND [ARG ...]``."""
    if not argv:
        print("usage: python -m worker.supervise COMMAND [ARG ...]", file=sys.stderr)
        return 2
    from core.settings import Settings  # only here: the supervisor itself needs no settings

    return supervise(argv, metrics_root=Settings.from_env().metrics_dir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
