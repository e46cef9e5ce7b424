"""`make run` from a clean clone brings up a working platform, as the README says."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket

from tests.support.stack import ROOT, free_port, uncovered_env, wait_for


def _get(url: str, key: str | None = None) -> tuple[int, dict[str, object]]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}


def _scheduler_pid(clone: Path) -> int | None:
    """The pid of ``python -m worker.scheduler`` (not its supervisor) run from ``clone``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            if (entry / "cwd").resolve() != clone.resolve():
                continue
        except OSError:
            continue
        if b"worker.scheduler" in args and b"worker.supervise" not in args:
            return int(entry.name)
    return None


def _run_job(base: str, key: str) -> None:
    req = urllib.request.Request(
        f"{base}/api/v1/jobs",
        data=b'{"type": "analytics.rollup"}',
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        job = json.loads(resp.read())
    wait_for(
        lambda: _get(f"{base}/api/v1/jobs/{job['id']}", key)[1].get("status") == "succeeded",
        timeout=60,
    )


@pytest.fixture
def clone(tmp_path: Path) -> Iterator[Path]:
    """A clean clone of this repository's HEAD, sharing only the virtualenv."""
    target = tmp_path / "saleshub"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    (target / ".venv").symlink_to(ROOT / ".venv")
    (target / ".venv" / ".stamp").touch()
    yield target
    subprocess.run([str(target / "scripts" / "services.sh"), "stop"], cwd=target, check=False)


def test_make_run_serves_the_api_with_demo_data(clone: Path) -> None:
    port = free_port()
    # Untraced, as the other runs of a whole stack from outside (the chaos run, the fuzzer):
    # tracing every process of the platform took this test from 39 s to 56 s alone.
    env = {k: v for k, v in uncovered_env().items() if not k.endswith("_URL")}
    env["SMTP_PORT"] = str(free_port())  # the local mail sink that make run starts
    realtime = free_port()
    env["REALTIME_PORT"] = str(realtime)  # the websocket process that make run starts
    env.pop("MAKEFLAGS", None)
    log = (clone / "run.log").open("wb")
    # A descriptor the caller holds (as `flock LOCK make run` would): the servers make run
    # leaves up must not keep it.
    held = (clone / "caller.lock").open("w")
    proc = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        pass_fds=(held.fileno(),),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        last: list[tuple[int, dict[str, object]]] = []

        def healthy() -> tuple[int, dict[str, object]] | None:
            last[:] = [_get(f"{base}/health")]
            return last[0] if last[0][0] == 200 else None

        try:
            status, body = wait_for(healthy, timeout=240)
        except AssertionError as err:  # say why: the last /health answer and make run's log
            log.flush()
            tail = (clone / "run.log").read_text(errors="replace")[-4000:]
            raise AssertionError(f"{err}; last /health: {last}; run.log ends:\n{tail}") from None
        assert body["status"] == "ok" and body["database"]["status"] == "up"
        key = (clone / "var" / "demo-api-key").read_text().strip()
        status, page = _get(f"{base}/api/v1/companies?limit=5", key)
        assert status == 200 and len(page["items"]) == 5  # type: ignore[arg-type]
        assert _get(f"{base}/api/v1/companies")[0] == 401
        # The console's way in: /health names the realtime process, which takes the API's origin.
        assert body["websocket_url"] == f"ws://127.0.0.1:{realtime}/ws"
        ws = wait_for(lambda: _websocket(body["websocket_url"], key, base), timeout=30)
        opcode, hello = ws.recv_data()
        assert opcode == websocket.ABNF.OPCODE_TEXT and json.loads(hello)["type"] == "hello"
        ws.close()
        # The scheduler relays and the worker runs an API-triggered job.
        _run_job(base, key)
        # A scheduler that dies is restarted; web and worker keep running meanwhile.
        scheduler = _scheduler_pid(clone)
        assert scheduler is not None
        os.kill(scheduler, signal.SIGKILL)
        wait_for(lambda: _scheduler_pid(clone) not in (None, scheduler), timeout=30)
        assert _get(f"{base}/health")[0] == 200
        _run_job(base, key)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
    time.sleep(0.5)
    assert _get(f"http://127.0.0.1:{port}/health")[0] == 0  # Ctrl-C stopped everything
    assert _get(f"http://127.0.0.1:{realtime}/health")[0] == 0
    held.close()
    assert _holders(clone / "caller.lock") == []  # PostgreSQL and Redis are still up


def _holders(path: Path) -> list[str]:
    """The processes that have ``path`` open (command lines)."""
    found = []
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            if os.readlink(fd) == str(path):
                found.append((fd.parents[1] / "cmdline").read_text().replace("\0", " "))
    return found


def _websocket(url: str, key: str, origin: str) -> websocket.WebSocket | None:
    try:
        return websocket.create_connection(
            url, header=[f"Authorization: Bearer {key}"], origin=origin, timeout=5
        )
    except (OSError, websocket.WebSocketException):
        return None
