"""The websocket hub's loops run supervised: a crash is logged, counted and restarted."""

from __future__ import annotations

from flask import Flask

from core import channels
from core.queueing.supervisor import flush_restarts, read_restarts, restarts
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import wait_for


def test_a_crashed_pubsub_listener_restarts_counts_and_delivers_again(
    app: Flask, client: JsonClient, tenant: Tenant
) -> None:
    hub = app.extensions["saleshub.hub"]
    res = app.extensions["saleshub"]
    delivered: list[str] = []
    crashes = [1]
    deliver = hub.deliver

    def flaky_deliver(channel: str, data: bytes) -> None:
        if crashes:
            crashes.pop()
            raise RuntimeError("injected bug in the hub")
        delivered.append(channel)
        deliver(channel, data)

    hub.deliver = flaky_deliver
    # Restarts an earlier test of this process counted while Redis was down are added to
    # the shared hash with the next flush: add them now, so they are not counted as ours.
    flush_restarts()
    before = restarts("ws-listener")
    reported = read_restarts(res.broker).get("ws-listener", 0)
    hub.start()

    def publish_and_check() -> bool:
        channels.publish(res.broker, "org:1:jobs", {"n": 1})
        return bool(delivered)

    wait_for(publish_and_check, timeout=20, interval=0.2)
    assert restarts("ws-listener") == before + 1
    assert read_restarts(res.broker)["ws-listener"] == reported + 1
    text = client.get("/metrics", headers=auth(tenant.operator)).get_data(as_text=True)
    assert f'saleshub_loop_restarts_total{{loop="ws-listener"}} {reported + 1.0}' in text


def test_a_stopped_hub_ends_its_loops(app: Flask) -> None:
    hub = app.extensions["saleshub.hub"]
    hub.start()
    assert [t.name for t in hub.threads] == ["ws-listener", "ws-snapshots", "ws-recheck"]
    assert all(t.is_alive() for t in hub.threads)
    hub.stop()
    for thread in hub.threads:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in hub.threads)
