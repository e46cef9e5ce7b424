"""``python -m worker.supervise``: a process that dies comes back; SIGTERM stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.stack import ROOT, wait_for

# Appends its pid to a file; the first run dies at once, later runs wait to be stopped.
CHILD = """
import os, pathlib, sys, time
log = pathlib.Path(sys.argv[1])
runs = log.read_text().split() if log.exists() else []
with log.open("a") as f:
    f.write(f"{os.getpid()}\\n")
if not runs:
    sys.exit(3)
time.sleep(600)
"""


def _pids(log: Path) -> list[int]:
    return [int(p) for p in log.read_text().split()] if log.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_command_that_exits_or_is_killed_is_restarted_and_sigterm_stops_it(
    tmp_path: Path,
) -> None:
    log = tmp_path / "pids"
    sup = subprocess.Popen(
        [sys.executable, "-m", "worker.supervise", sys.executable, "-c", CHILD, str(log)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: len(_pids(log)) == 2, timeout=10)  # exited with 3: restarted
        second = _pids(log)[1]
        os.kill(second, signal.SIGKILL)  # killed: restarted too
        wait_for(lambda: len(_pids(log)) == 3, timeout=10)
        third = _pids(log)[2]
        assert _alive(third) and sup.poll() is None
        sup.send_signal(signal.SIGTERM)
        assert sup.wait(10) == 0
        wait_for(lambda: not _alive(third), timeout=5)
    finally:
        if sup.poll() is None:
            sup.kill()
            sup.wait(5)
    stderr = sup.stderr.read().decode() if sup.stderr else ""
    assert "exited with 3; restarting" in stderr and "exited with -9; restarting" in stderr
    time.sleep(0.6)
    assert len(_pids(log)) == 3  # nothing started after SIGTERM


# Traps SIGTERM: takes a while to drain, writes that it did, then exits.
DRAINING = """
import pathlib, signal, sys, time
def term(*_):
    time.sleep(1.0)
    pathlib.Path(sys.argv[1]).write_text("drained")
    sys.exit(0)
signal.signal(signal.SIGTERM, term)
pathlib.Path(sys.argv[1] + ".ready").write_text("")
time.sleep(600)
"""
# Ignores SIGTERM.
STUBBORN = """
import pathlib, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
pathlib.Path(sys.argv[1] + ".ready").write_text("")
time.sleep(600)
"""
SUPERVISOR = """
import sys
from worker.supervise import supervise
sys.exit(supervise([sys.executable, "-c", sys.argv[1], sys.argv[2]], own_session=True,
                   stop_timeout_s=float(sys.argv[3])))
"""


def _supervised(child: str, marker: Path, stop_timeout_s: float) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, child, str(marker), str(stop_timeout_s)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,  # a process group of its own, as under honcho
    )
    wait_for(lambda: Path(f"{marker}.ready").exists())
    return proc


def test_sigterm_is_passed_on_once_and_the_supervisor_waits_for_the_drain(tmp_path: Path) -> None:
    marker = tmp_path / "drained"
    proc = _supervised(DRAINING, marker, 60)
    # As honcho does: SIGTERM to the supervisor's whole process group. The child, in its own
    # session, gets it only from the supervisor.
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(30) == 0
    assert marker.read_text() == "drained"  # it exited after its child drained, not before


def test_a_child_still_running_after_the_stop_timeout_is_killed(tmp_path: Path) -> None:
    marker = tmp_path / "stubborn"
    proc = _supervised(STUBBORN, marker, 1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    out = subprocess.run(["pgrep", "-f", str(marker)], capture_output=True, text=True).stdout
    assert out.strip() == ""  # the child was killed, not left behind


# Leaves a grandchild behind (as a SIGKILLed gunicorn master leaves its workers), then dies.
ORPHANING = """
import pathlib, subprocess, sys
log = pathlib.Path(sys.argv[1])
runs = log.read_text().split() if log.exists() else []
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with log.open("a") as f:
    f.write(f"{grandchild.pid}\\n")
if runs:
    import time
    time.sleep(600)
sys.exit(3)
"""


def test_what_a_dead_command_left_in_its_group_is_killed_before_the_restart(
    tmp_path: Path,
) -> None:
    log = tmp_path / "grandchildren"
    proc = subprocess.Popen(
        [sys.executable, "-m", "worker.supervise", sys.executable, "-c", ORPHANING, str(log)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for(lambda: len(_pids(log)) >= 2, timeout=30)
        first = _pids(log)[0]
        wait_for(lambda: not _alive(first) or _zombie(first), timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def test_the_command_gets_sigterm_when_its_supervisor_is_killed(tmp_path: Path) -> None:
    log = tmp_path / "pids"
    proc = subprocess.Popen(
        [sys.executable, "-m", "worker.supervise", sys.executable, "-c", CHILD, str(log)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wait_for(lambda: len(_pids(log)) >= 2, timeout=30)  # the first run exits, the second waits
    child = _pids(log)[-1]
    proc.kill()
    proc.wait(10)
    wait_for(lambda: not _alive(child) or _zombie(child), timeout=10)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except OSError:
        return True


# Writes the folder it was given, and what it found in it, then waits to be stopped.
SEES = """
import os, pathlib, sys, time
folder = pathlib.Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
found = sorted(p.name for p in folder.iterdir())
pathlib.Path(sys.argv[1]).write_text(f"{folder}|{','.join(found)}")
(folder / "counter_123.db").write_bytes(b"stale")
time.sleep(600)
"""


def test_each_command_gets_its_own_emptied_prometheus_folder(tmp_path: Path) -> None:
    from worker.supervise import metrics_folder

    web = metrics_folder(["gunicorn", "--workers", "2", "web:create_app(websockets=False)"], "m")
    realtime = metrics_folder(["gunicorn", "--worker-class", "gevent", "web:create_app()"], "m")
    assert web is not None and realtime is not None and web != realtime
    assert web.parent == Path("m") and web.name.startswith("gunicorn-")
    assert metrics_folder(["gunicorn"], "") is None  # METRICS_DIR empty: off

    root, out = tmp_path / "metrics", tmp_path / "seen"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    argv = [sys.executable, "-m", "worker.supervise", sys.executable, "-c", SEES, str(out)]
    for run in range(2):  # the second start finds the first one's file gone
        out.unlink(missing_ok=True)
        sup = subprocess.Popen(argv, cwd=ROOT, env={**env, "METRICS_DIR": str(root)})
        try:
            wait_for(out.exists, timeout=10)
            wait_for(lambda: root.glob("*/counter_123.db"), timeout=10)
        finally:
            sup.send_signal(signal.SIGTERM)
            sup.wait(10)
        folder, found = out.read_text().split("|")
        assert Path(folder).parent == root and found == "", (run, found)


# Appends its pid to a file and waits to be stopped.
WAITING = """
import os, pathlib, sys, time
with pathlib.Path(sys.argv[1]).open("a") as f:
    f.write(f"{os.getpid()}\\n")
time.sleep(600)
"""
COPIES = """
import sys
from worker.supervise import supervise
sys.exit(supervise([sys.executable, "-c", sys.argv[1], sys.argv[2]], copies=2))
"""


def test_copies_are_restarted_one_by_one(tmp_path: Path) -> None:
    log = tmp_path / "pids"
    proc = subprocess.Popen(
        [sys.executable, "-c", COPIES, WAITING, str(log)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for(lambda: len(_pids(log)) == 2, timeout=30)
        killed, kept = _pids(log)
        os.kill(killed, signal.SIGKILL)
        wait_for(lambda: len(_pids(log)) == 3, timeout=30)  # the killed copy came back
        assert _alive(kept) and not _zombie(kept)  # the other one was left alone
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    assert all(not _alive(p) or _zombie(p) for p in _pids(log))


# Writes its queue name and niceness, then waits to be stopped.
REPORTING = """
import os, pathlib, sys, time
with pathlib.Path(sys.argv[1]).open("a") as f:
    f.write(f"{sys.argv[2]}:{os.nice(0)}:{os.getpid()}\\n")
time.sleep(600)
"""
LANES = """
import sys
from worker.supervise import Lane, supervise_lanes
code, log = sys.argv[1], sys.argv[2]
sys.exit(supervise_lanes([
    Lane([sys.executable, "-c", code, log, "urgent"], copies=2),
    Lane([sys.executable, "-c", code, log, "bulk"], copies=1, nice=7),
], name="pool"))
"""


def test_lanes_run_their_copies_at_their_own_niceness(tmp_path: Path) -> None:
    log = tmp_path / "lanes"
    proc = subprocess.Popen(
        [sys.executable, "-c", LANES, REPORTING, str(log)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    base = os.nice(0)

    def seen() -> list[list[str]]:
        return [line.split(":") for line in log.read_text().split()] if log.exists() else []

    try:
        wait_for(lambda: len(seen()) == 3, timeout=30)
        by_lane = sorted((lane, int(nice)) for lane, nice, _ in seen())
        assert by_lane == [("bulk", min(base + 7, 19)), ("urgent", base), ("urgent", base)]
        bulk_pid = next(int(pid) for lane, _, pid in seen() if lane == "bulk")
        os.kill(bulk_pid, signal.SIGKILL)
        wait_for(lambda: len(seen()) == 4, timeout=30)  # it came back, niced again
        assert seen()[-1][:2] == ["bulk", str(min(base + 7, 19))]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    assert all(not _alive(int(p)) or _zombie(int(p)) for _, _, p in seen())


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="no scheduler autogroups")
def test_a_niced_lane_in_its_own_session_gets_a_niced_autogroup(tmp_path: Path) -> None:
    """With autogroups, a session's CPU share is its autogroup's nice, not its processes'."""
    log = tmp_path / "lanes"
    ours = Path("/proc/self/autogroup").read_text()
    proc = subprocess.Popen(
        [sys.executable, "-c", LANES, REPORTING, str(log)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )

    def seen() -> list[list[str]]:
        return [line.split(":") for line in log.read_text().split()] if log.exists() else []

    def autogroup(pid: str) -> tuple[str, str]:
        name, _, nice = Path(f"/proc/{pid}/autogroup").read_text().split()
        return name, nice

    try:
        wait_for(lambda: len(seen()) == 3, timeout=30)
        groups = {lane: autogroup(pid) for lane, _, pid in seen()}
        assert groups["bulk"][1] == "7"
        assert groups["urgent"][1] == "0"
        assert groups["bulk"][0] != groups["urgent"][0]
        assert Path("/proc/self/autogroup").read_text() == ours  # the supervisor's: untouched
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
