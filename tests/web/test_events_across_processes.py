"""A CRM write through one web process reaches websockets held by other processes.

Issue 15, item 3 ("two web processes on two ports"), end to end with the Procfile's real
processes: the REST write commits on the gthread web process and stages its feed entry
(the outbox); a scheduler process relays it; a worker process records it in the org's
stream and publishes it on the broker Redis; two gevent realtime processes on their own
ports push it to the sockets they hold. No process shares memory with another: the event
crosses only PostgreSQL and Redis, as between two machines.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket
from sqlalchemy import Engine

from core.settings import Settings
from tests.support.factories import Tenant
from tests.support.stack import ROOT, GunicornProcess, WorkerProcess, process_env
from tests.web.helpers import post_json, ws_connect, ws_text

# Each process is as the Procfile starts it, one gunicorn worker each.
WEB_APP = "web:create_app(websockets=False)"


@pytest.fixture
def nodes(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A web process, two realtime processes, a scheduler (the relay) and a worker."""
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    with (tmp_path / "scheduler.log").open("wb") as log:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "worker.scheduler"],
            cwd=ROOT,
            env=process_env(settings, CANARY_INTERVAL_S="0"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        with (
            GunicornProcess(
                settings, tmp_path / "web.log", worker_class="gthread", app=WEB_APP
            ) as web,
            GunicornProcess(settings, tmp_path / "rt-a.log", worker_class="gevent") as rt_a,
            GunicornProcess(settings, tmp_path / "rt-b.log", worker_class="gevent") as rt_b,
        ):
            yield {"web": web, "realtime": [rt_a, rt_b]}
    finally:
        scheduler.terminate()
        scheduler.wait(15)
        worker.stop()


def _subscribe_activity(ws: websocket.WebSocket) -> None:
    ws.send(json.dumps({"op": "subscribe", "channel": "activity"}))
    assert ws_text(ws)["type"] == "ack"
    assert ws_text(ws)["type"] == "head"


def test_a_write_through_the_web_process_reaches_sockets_on_two_realtime_processes(
    nodes: dict[str, Any], tenant: Tenant, other_tenant: Tenant
) -> None:
    web: GunicornProcess = nodes["web"]
    rt_a, rt_b = nodes["realtime"]
    assert len({web.port, rt_a.port, rt_b.port}) == 3
    mine = [
        ws_connect(rt_a.ws, tenant.member, timeout=20),
        ws_connect(rt_b.ws, tenant.admin, timeout=20),
    ]
    theirs = ws_connect(rt_b.ws, other_tenant.member)
    for ws in (*mine, theirs):
        _subscribe_activity(ws)

    started = time.monotonic()
    deal = post_json(
        f"{web.http}/api/v1/deals",
        {"title": "Across nodes", "amount": "10.00", "stage": "proposal"},
        tenant.member,
    )
    for ws in mine:
        frame = ws_text(ws)  # within the sockets' 20 s timeout, else the test fails
        assert frame["channel"] == "activity"
        assert frame["data"]["row_id"] == deal["id"]
        assert frame["data"]["title"] == "Across nodes"
    took = time.monotonic() - started
    print(f"REST commit on :{web.port} -> frames on :{rt_a.port} and :{rt_b.port} in {took:.2f} s")

    # A write through one realtime process's REST API reaches the other's sockets too.
    deal2 = post_json(
        f"{rt_b.http}/api/v1/deals",
        {"title": "Back again", "amount": "1.00", "stage": "lead"},
        tenant.admin,
    )
    for ws in mine:
        assert ws_text(ws)["data"]["row_id"] == deal2["id"]

    theirs.settimeout(0.5)  # the other org's socket got neither
    with pytest.raises(websocket.WebSocketTimeoutException):
        theirs.recv()
    for ws in (*mine, theirs):
        ws.close()
