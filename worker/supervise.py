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
before every start, since files of processes that no longer exist would otherwise be
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
from collections.abc import Callable
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


def supervise(
    argv: list[str],
    *,
    name: str | None = None,
    own_session: bool = True,
    stop_timeout_s: float | None = None,
    metrics_root: str = "",
) -> int:
    """Run ``argv`` until SIGTERM or SIGINT, restarting it with backoff whenever it exits.

    Parameters:
      argv: the command.
      name: its name in messages (default: ``argv[0]``).
      own_session: start it in a session of its own (default), so a signal sent to our
        process group reaches it only through us (once), and kill what it leaves behind.
      stop_timeout_s: after passing on SIGTERM, wait this long for it to exit, then
        SIGKILL it (its whole session with ``own_session``); None waits without end.
      metrics_root: where its Prometheus multiprocess folder goes (see :func:`metrics_folder`).
    """
    name = name or argv[0]
    folder = metrics_folder(argv, metrics_root)
    stopping: float | None = None
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping is None:
            stopping = time.monotonic()
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGTERM)

    previous: dict[int, Callable[..., object] | int | None] = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        backoff = FIRST_BACKOFF_S
        while stopping is None:
            started = time.monotonic()
            child = subprocess.Popen(
                argv,
                env=_fresh(folder),
                start_new_session=own_session,
                preexec_fn=_die_with_parent,
            )
            code = _wait(child, lambda: stopping, stop_timeout_s, own_session=own_session)
            if own_session:
                _kill_group(child.pid)
            if stopping is not None:
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


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies (Linux ``PR_SET_PDEATHSIG``)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def _kill_group(pgid: int) -> None:
    """SIGKILL what is left in the process group ``pgid`` of a command that exited."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _wait(
    child: subprocess.Popen[bytes],
    stopping: Callable[[], float | None],
    stop_timeout_s: float | None,
    *,
    own_session: bool,
) -> int:
    """Wait for ``child``; SIGKILL it once it outlives ``stop_timeout_s`` after a stop."""
    while True:
        try:
            return child.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            since = stopping()
            if since is None or stop_timeout_s is None:
                continue
            if time.monotonic() - since > stop_timeout_s:
                print(f"still running {stop_timeout_s:.0f}s after SIGTERM: killed", file=sys.stderr)
                with contextlib.suppress(ProcessLookupError):
                    if own_session:
                        os.killpg(child.pid, signal.SIGKILL)
                    else:
                        child.kill()
                return child.wait()


def main(argv: list[str]) -> int:
    """Entry point: ``python -m worker.supervise COMMAND [ARG ...]``."""
    if not argv:
        print("usage: python -m worker.supervise COMMAND [ARG ...]", file=sys.stderr)
        return 2
    from core.settings import Settings  # only here: the supervisor itself needs no settings

    return supervise(argv, metrics_root=Settings.from_env().metrics_dir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
