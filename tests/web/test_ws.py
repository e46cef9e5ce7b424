"""The websocket hub over a real server: handshake auth, origins, channels, abuse, slow clients."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import websocket
from flask import Flask

from core import channels
from core.queueing.queues import NAMES
from core.settings import Settings
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import ServeApp, wait_for
from web import ws as ws_module


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    with ServeApp(app) as served:
        yield served.ws


def _connect(url: str, key: str | None = None, **kw: Any) -> websocket.WebSocket:
    header = [f"Authorization: Bearer {key}"] if key else []
    ws = websocket.create_connection(url, header=header, timeout=5, **kw)
    assert json.loads(ws.recv())["type"] == "hello"
    return ws


def _send(ws: websocket.WebSocket, **msg: Any) -> dict[str, Any]:
    ws.send(json.dumps(msg))
    return json.loads(ws.recv())


def _recv_until(ws: websocket.WebSocket, kind: str, timeout: float = 5) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(ws.recv())
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def _status_of_refused(url: str, **kw: Any) -> int:
    with pytest.raises(websocket.WebSocketBadStatusException) as err:
        websocket.create_connection(url, timeout=5, **kw)
    return err.value.status_code


def test_handshake_needs_a_key_or_ticket_and_a_good_origin(
    server: str, client: JsonClient, tenant: Tenant
) -> None:
    assert _status_of_refused(server) == 401
    assert _status_of_refused(server, header=["Authorization: Bearer nope"]) == 401
    assert (
        _status_of_refused(
            server, header=[f"Authorization: Bearer {tenant.member}"], origin="http://evil.test"
        )
        == 403
    )
    ticket = client.post("/api/v1/ws/ticket", headers=auth(tenant.member)).json["ticket"]
    host = server.removeprefix("ws://").removesuffix("/ws")
    ws = _connect(f"{server}?ticket={ticket}", origin=f"http://{host}")
    assert _send(ws, op="ping")["type"] == "pong"
    ws.close()
    assert _status_of_refused(f"{server}?ticket={ticket}") == 401  # one use only


def test_subscriptions_are_authorized_per_role_and_org(
    server: str, tenant: Tenant, other_tenant: Tenant, settings: Settings
) -> None:
    member = _connect(server, tenant.member)
    assert _send(member, op="subscribe", channel="ops.queues")["type"] == "error"
    assert _send(member, op="subscribe", channel="org:2:jobs")["type"] == "error"
    assert _send(member, op="subscribe", channel="jobs")["type"] == "ack"
    other = _connect(server, other_tenant.member)
    assert _send(other, op="subscribe", channel="jobs")["type"] == "ack"
    client = redis.Redis.from_url(settings.broker.url)
    channels.publish(
        client, channels.org_channel(tenant.org_id, "jobs"), {"id": "j1", "status": "running"}
    )
    got = _recv_until(member, "event")
    assert got["data"] == {"id": "j1", "status": "running"} and set(got) >= {"channel", "id", "ts"}
    other.settimeout(0.5)
    with pytest.raises(websocket.WebSocketTimeoutException):
        other.recv()  # org B never sees org A's events

    operator = _connect(server, tenant.operator)
    assert _send(operator, op="subscribe", channel="ops.queues")["type"] == "ack"
    snap = _recv_until(operator, "event", timeout=6)
    assert snap["channel"] == "ops.queues"
    assert {q["name"] for q in snap["data"]["queues"]} == set(NAMES)
    for ws in (member, other, operator):
        ws.close()


def test_malformed_frames_get_errors_and_the_server_keeps_serving(
    server: str, tenant: Tenant
) -> None:
    bad = _connect(server, tenant.member)
    good = _connect(server, tenant.member)
    for i in range(30):  # within the inbound burst (WS_INBOUND_BURST, 40)
        bad.send(["{", "[]", "null", '{"op": 1}', "\x00"][i % 5])
    errors = [json.loads(bad.recv())["type"] for _ in range(30)]
    assert set(errors) == {"error"}
    assert _send(good, op="ping")["type"] == "pong"
    assert _send(bad, op="ping")["type"] == "pong"
    bad.close()
    good.close()


def test_a_slow_client_is_dropped_and_others_keep_receiving(
    app: Flask, server: str, tenant: Tenant, settings: Settings
) -> None:
    slow = _connect(server, tenant.member)
    fast = _connect(server, tenant.member)
    for ws in (slow, fast):
        assert _send(ws, op="subscribe", channel="jobs")["type"] == "ack"
    client = redis.Redis.from_url(settings.broker.url)
    channel = channels.org_channel(tenant.org_id, "jobs")
    blob = "x" * 20_000
    received = []
    published = 0
    hub = app.extensions["saleshub.hub"]

    def drain() -> None:
        # Until the test aborts the socket: only this thread ever reads it (a close()
        # from the test's thread would read the close reply beside it and split frames).
        with contextlib.suppress(websocket.WebSocketConnectionClosedException, OSError):
            while True:
                received.append(fast.recv())

    def slow_dropped() -> bool:
        return any(c.dropped for c in list(hub.clients)) or len(hub.clients) == 1

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    # Up to ~30 MB: far more than the slow client's socket buffers and backlog hold. Published
    # in steps the fast client keeps up with, so only the client that never reads falls
    # behind; the test stops publishing once the hub has dropped it.
    for _ in range(15):
        for _ in range(100):
            channels.publish(client, channel, {"n": published, "blob": blob})
            published += 1
        wait_for(lambda n=published: len(received) >= n, timeout=30)  # type: ignore[misc]
        if slow_dropped():
            break
    assert slow_dropped()
    assert len(received) == published  # the fast client got everything
    assert [json.loads(f)["data"]["n"] for f in received] == list(range(published))
    fast.abort()  # wakes the reader, which ends
    reader.join(5)
    assert not reader.is_alive()
    fast.close()
    slow.close()


def test_search_as_you_type_over_the_socket(
    server: str, client: JsonClient, tenant: Tenant, other_tenant: Tenant, sessions: Any
) -> None:
    from core import search

    for t, name in ((tenant, "Zebulon Industries"), (other_tenant, "Zebulon Secret")):
        client.post("/api/v1/companies", json={"name": name}, headers=auth(t.member))
    with sessions() as s:
        for t in (tenant, other_tenant):
            search.reindex_org(s, t.org_id)
    ws = _connect(server, tenant.member)
    got = _send(ws, op="search", q="zebu")
    assert got["type"] == "search" and got["data"]["q"] == "zebu"
    assert [i["title"] for i in got["data"]["items"]] == ["Zebulon Industries"]
    assert _send(ws, op="search", q="zebulon industires")["data"]["items"][0]["title"] == (
        "Zebulon Industries"
    )  # a typo is forgiven
    for bad in ({"q": ""}, {"q": "x" * 201}, {"q": 5}, {"q": "ok", "limit": 0}):
        assert _send(ws, op="search", **bad)["type"] == "error"
    ws.close()


def _close_code_within(ws: websocket.WebSocket, seconds: float) -> int | None:
    """The code the server closes ``ws`` with within ``seconds`` (frames before it are
    skipped); 1006 if it drops it without a close frame, None if it stays open."""
    ws.settimeout(seconds)
    try:
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
    except websocket.WebSocketConnectionClosedException:
        return 1006
    except websocket.WebSocketTimeoutException:
        return None


def test_open_sockets_close_when_access_is_taken_away(
    server: str, client: JsonClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ws_module.RECHECK_S <= 5
    monkeypatch.setattr(ws_module, "RECHECK_S", 0.2)
    minted = client.post("/api/v1/keys", json={"name": "ws"}, headers=auth(tenant.member)).json
    revoked = _connect(server, minted["key"])
    # Opened with a ticket that key minted (as the ops console does): it goes with the key.
    minted_ticket = client.post("/api/v1/ws/ticket", headers=auth(minted["key"])).json["ticket"]
    ticketed = _connect(f"{server}?ticket={minted_ticket}")
    disabled = _connect(server, tenant.member)
    ticket = client.post("/api/v1/ws/ticket", headers=auth(tenant.admin)).json["ticket"]
    demoted = _connect(f"{server}?ticket={ticket}")
    untouched = _connect(server, tenant.operator)
    # Make sure the re-check runs against a hub that sees all five.
    assert _send(untouched, op="ping")["type"] == "pong"

    assert (
        client.delete(f"/api/v1/keys/{minted['id']}", headers=auth(tenant.member)).status_code
        == 204
    )
    assert _close_code_within(revoked, 5) == 1008
    assert _close_code_within(ticketed, 5) == 1008
    url = f"/api/v1/users/{tenant.member_id}"
    assert client.patch(url, json={"disabled": True}, headers=auth(tenant.admin)).status_code == 200
    assert _close_code_within(disabled, 5) == 1008
    second = client.post(
        "/api/v1/users", json={"email": "a2@a.test", "role": "admin"}, headers=auth(tenant.admin)
    )
    admin_id = next(
        u["id"]
        for u in client.get("/api/v1/users", headers=auth(tenant.admin)).json["items"]
        if u["email"] == "admin@org-a.test"
    )
    assert second.status_code == 201
    demote = client.patch(
        f"/api/v1/users/{admin_id}", json={"role": "member"}, headers=auth(tenant.operator)
    )
    assert demote.status_code == 200
    assert _close_code_within(demoted, 5) == 1008
    # The operator's socket is still served.
    assert _send(untouched, op="ping")["type"] == "pong"
    untouched.close()


def test_a_disabled_user_gets_no_socket(server: str, client: JsonClient, tenant: Tenant) -> None:
    ticket = client.post("/api/v1/ws/ticket", headers=auth(tenant.member)).json["ticket"]
    url = f"/api/v1/users/{tenant.member_id}"
    assert client.patch(url, json={"disabled": True}, headers=auth(tenant.admin)).status_code == 200
    assert _status_of_refused(f"{server}?ticket={ticket}") == 401
    assert _status_of_refused(server, header=[f"Authorization: Bearer {tenant.member}"]) == 401


def test_a_ticket_whose_key_was_revoked_opens_no_socket(
    server: str, client: JsonClient, tenant: Tenant
) -> None:
    minted = client.post("/api/v1/keys", json={"name": "ws"}, headers=auth(tenant.member)).json
    ticket = client.post("/api/v1/ws/ticket", headers=auth(minted["key"])).json["ticket"]
    assert (
        client.delete(f"/api/v1/keys/{minted['id']}", headers=auth(tenant.member)).status_code
        == 204
    )
    assert _status_of_refused(f"{server}?ticket={ticket}") == 401
