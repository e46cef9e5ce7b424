"""An org's job status changes reach its websocket subscribers, and no one else's."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import websocket
from dramatiq.brokers.redis import RedisBroker
from flask import Flask

from core.settings import Settings
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import RelayThread, ServeApp, WorkerProcess


@pytest.fixture
def ws_url(app: Flask) -> Iterator[str]:
    with ServeApp(app) as served:
        yield served.ws


def _subscribe(url: str, key: str) -> websocket.WebSocket:
    ws = websocket.create_connection(url, header=[f"Authorization: Bearer {key}"], timeout=20)
    ws.recv()  # hello
    ws.send(json.dumps({"op": "subscribe", "channel": "jobs"}))
    assert json.loads(ws.recv())["type"] == "ack"
    return ws


def test_job_status_events_are_pushed_to_the_org(
    ws_url: str,
    client: JsonClient,
    tenant: Tenant,
    other_tenant: Tenant,
    broker: RedisBroker,
    worker_proc: WorkerProcess,
    settings: Settings,
) -> None:
    mine = _subscribe(ws_url, tenant.member)
    theirs = _subscribe(ws_url, other_tenant.member)
    job = client.post(
        "/api/v1/jobs", json={"type": "analytics.rollup"}, headers=auth(tenant.member)
    ).json
    seen = []
    with RelayThread(settings, broker):
        while "succeeded" not in seen:
            frame = json.loads(mine.recv())
            assert frame["data"]["id"] == job["id"] and frame["channel"] == "jobs"
            seen.append(frame["data"]["status"])
    assert seen == ["running", "succeeded"]
    theirs.settimeout(0.5)
    with pytest.raises(websocket.WebSocketTimeoutException):
        theirs.recv()
    mine.close()
    theirs.close()
