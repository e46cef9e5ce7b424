"""``/ws`` on the realtime process (gunicorn's gevent worker), as the Procfile runs it.

Two realtime processes side by side and a gthread web process, all real: the caps are
counted across processes, events reach both, REST keeps answering while sockets are open.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import websocket
from flask import Flask

from core import channels
from core.settings import Settings
from tests.conftest import auth
from tests.support.client import JsonClient
from tests.support.factories import Tenant
from tests.support.stack import GunicornProcess, wait_for
from web.ws_frames import text_frame
from web.ws_limits import SocketLeases, user_key

CAPS = {
    "WS_MAX_PER_USER": "3",
    "WS_MAX_PER_ORG": "5",
    "WS_SLOW_AFTER_S": "1",
    "WS_SEND_TIMEOUT_S": "1",
    "WS_INBOUND_PER_S": "5",
    "WS_INBOUND_BURST": "10",
    "WS_MAX_MESSAGE_BYTES": "4096",
}


@pytest.fixture(scope="module")
def realtime(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two realtime processes sharing one broker Redis; their ``/ws`` URLs."""
    logs = tmp_path_factory.mktemp("realtime")
    with (
        GunicornProcess(settings, logs / "a.log", worker_class="gevent", env=CAPS) as a,
        GunicornProcess(settings, logs / "b.log", worker_class="gevent", env=CAPS) as b,
    ):
        yield [a.ws, b.ws]


def _connect(url: str, key: str, **kw: Any) -> websocket.WebSocket:
    ws = websocket.create_connection(url, header=[f"Authorization: Bearer {key}"], timeout=5, **kw)
    opcode, data = ws.recv_data()
    assert opcode == websocket.ABNF.OPCODE_TEXT  # never a Blob in a browser
    assert json.loads(data)["type"] == "hello"
    return ws


def _refusal(url: str, key: str, **kw: Any) -> websocket.WebSocketBadStatusException:
    with pytest.raises(websocket.WebSocketBadStatusException) as err:
        websocket.create_connection(
            url, header=[f"Authorization: Bearer {key}"], timeout=5, **kw
        ).close()
    return err.value


def _text(ws: websocket.WebSocket) -> dict[str, Any]:
    opcode, data = ws.recv_data()
    assert opcode == websocket.ABNF.OPCODE_TEXT
    frame: dict[str, Any] = json.loads(data)
    return frame


def _ask(ws: websocket.WebSocket, **msg: Any) -> dict[str, Any]:
    ws.send(json.dumps(msg))
    return _text(ws)


def test_every_frame_is_text_json(realtime: list[str], tenant: Tenant, settings: Settings) -> None:
    ws = _connect(realtime[0], tenant.member)
    assert _ask(ws, op="ping")["type"] == "pong"
    assert _ask(ws, op="subscribe", channel="jobs")["type"] == "ack"
    assert _ask(ws, op="nope")["type"] == "error"
    ws.send("{")
    assert _text(ws)["type"] == "error"
    channels.publish(
        redis.Redis.from_url(settings.broker.url),
        channels.org_channel(tenant.org_id, "jobs"),
        {"id": "j1"},
    )
    assert _text(ws)["type"] == "event"
    ws.close()


@pytest.mark.parametrize("size", [0, 125, 126, 65_535, 65_536, 200_000])
def test_a_shared_frame_is_what_wsproto_would_send(size: int) -> None:
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import TextMessage

    payload = "é" * (size // 2) + "x" * (size % 2)
    wsproto_frame = Connection(ConnectionType.SERVER).send(TextMessage(data=payload))
    assert text_frame(payload.encode()) == wsproto_frame


def test_large_events_arrive_whole(realtime: list[str], tenant: Tenant, settings: Settings) -> None:
    ws = _connect(realtime[1], tenant.member)
    assert _ask(ws, op="subscribe", channel="jobs")["type"] == "ack"
    broker = redis.Redis.from_url(settings.broker.url)
    for n in (10, 30_000, 100_000):
        channels.publish(broker, channels.org_channel(tenant.org_id, "jobs"), {"blob": "y" * n})
        assert _text(ws)["data"]["blob"] == "y" * n
    ws.close()


def test_the_origin_check_accepts_the_api_origin_on_another_port(
    realtime: list[str], tenant: Tenant
) -> None:
    # PUBLIC_URL (default http://127.0.0.1:8000): the console's page, served by the web process.
    _connect(realtime[0], tenant.member, origin="http://127.0.0.1:8000").close()
    assert _refusal(realtime[0], tenant.member, origin="http://127.0.0.1:9999").status_code == 403
    assert _refusal(realtime[0], tenant.member, origin="http://evil.test:8000").status_code == 403


def test_sockets_per_user_are_capped_across_processes(realtime: list[str], tenant: Tenant) -> None:
    a, b = realtime
    open_ = [_connect(a, tenant.member), _connect(b, tenant.member), _connect(a, tenant.member)]
    for url in (a, b):
        refused = _refusal(url, tenant.member)
        assert refused.status_code == 429
        assert int((refused.resp_headers or {})["retry-after"]) > 0
        assert json.loads(refused.resp_body or b"")["error"]["code"] == "rate_limited"
    other_user = _connect(b, tenant.admin)  # the cap is per user
    open_[1].close()
    # The closed socket's place is free again, on either process.
    wait_for(lambda: _tries(a, tenant.member), timeout=5).close()
    for ws in (*open_, other_user):
        ws.close()


def _tries(url: str, key: str) -> websocket.WebSocket | None:
    try:
        return _connect(url, key)
    except websocket.WebSocketBadStatusException:
        return None


def test_sockets_per_org_are_capped(
    realtime: list[str], tenant: Tenant, other_tenant: Tenant
) -> None:
    a, b = realtime
    keys = [tenant.member, tenant.member, tenant.admin, tenant.admin, tenant.operator]
    open_ = [_connect((a, b)[i % 2], key) for i, key in enumerate(keys)]
    refused = _refusal(b, tenant.operator)  # the operator has 1 of 3: the org's cap refuses
    assert (
        refused.status_code == 429
        and "org" in json.loads(refused.resp_body or b"")["error"]["message"]
    )
    _connect(a, other_tenant.member).close()  # another org is not affected
    for ws in open_:
        ws.close()


def test_events_reach_every_process_and_orgs_stay_apart(
    realtime: list[str], tenant: Tenant, other_tenant: Tenant, settings: Settings
) -> None:
    a, b = realtime
    mine = [_connect(a, tenant.member), _connect(b, tenant.admin)]
    theirs = [_connect(a, other_tenant.member), _connect(b, other_tenant.member)]
    for ws in (*mine, *theirs):
        assert _ask(ws, op="subscribe", channel="jobs")["type"] == "ack"
    assert _ask(theirs[0], op="subscribe", channel=f"org:{tenant.org_id}:jobs")["type"] == "error"
    channels.publish(
        redis.Redis.from_url(settings.broker.url),
        channels.org_channel(tenant.org_id, "jobs"),
        {"id": "j1", "status": "running"},
    )
    for ws in mine:
        assert _text(ws)["data"] == {"id": "j1", "status": "running"}
    for ws in theirs:
        ws.settimeout(0.5)
        with pytest.raises(websocket.WebSocketTimeoutException):
            ws.recv()
    for ws in (*mine, *theirs):
        ws.close()


def test_inbound_frames_are_rate_and_size_limited(realtime: list[str], tenant: Tenant) -> None:
    ws = _connect(realtime[0], tenant.member)
    for _ in range(40):
        ws.send(json.dumps({"op": "ping"}))
    ws.settimeout(1.0)
    kinds = []
    with pytest.raises(websocket.WebSocketTimeoutException):
        while True:
            kinds.append(_text(ws)["type"])
    assert "error" in kinds  # "rate limited", once a second, not once per frame
    assert kinds.count("error") <= 2 and kinds.count("pong") <= 10 + 5 * 2
    time.sleep(1.0)
    ws.settimeout(5)
    assert _ask(ws, op="ping")["type"] == "pong"  # the budget refills
    ws.send("x" * 5000)  # past WS_MAX_MESSAGE_BYTES
    assert _close_code(ws, 5) == 1009


def _close_code(ws: websocket.WebSocket, seconds: float) -> int | None:
    """The close code the server sends (None: the connection was cut without one)."""
    ws.settimeout(seconds)
    try:
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big")
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        return None


def test_a_slow_consumer_is_closed_and_others_keep_receiving(
    realtime: list[str], tenant: Tenant, settings: Settings
) -> None:
    slow = _connect(realtime[0], tenant.member)
    fast = _connect(realtime[0], tenant.admin)
    for ws in (slow, fast):
        assert _ask(ws, op="subscribe", channel="jobs")["type"] == "ack"
    client = redis.Redis.from_url(settings.broker.url)
    channel = channels.org_channel(tenant.org_id, "jobs")
    blob = "x" * 20_000
    leases = SocketLeases(client, max_per_user=3, max_per_org=5)
    assert leases.count(user_key(tenant.member_id)) == 1
    got = 0
    deadline = time.monotonic() + 20
    # ~20 MB, far more than the socket buffers hold: only the client that never reads falls
    # behind by WS_SLOW_AFTER_S and is closed; the server frees its place in the user's cap.
    while leases.count(user_key(tenant.member_id)) and time.monotonic() < deadline:
        for i in range(50):
            channels.publish(client, channel, {"n": got + i, "blob": blob})
        for _ in range(50):
            assert _text(fast)["data"]["n"] == got
            got += 1
    assert leases.count(user_key(tenant.member_id)) == 0
    assert _close_code(slow, 10) in {1013, None}  # 1013, or cut mid-frame at the send deadline
    assert _ask(fast, op="ping")["type"] == "pong"
    fast.close()


def _get(url: str, key: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_rest_answers_while_sockets_are_open_on_the_realtime_server(
    settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    with (
        GunicornProcess(settings, tmp_path / "rt.log", worker_class="gevent") as rt,
        GunicornProcess(
            settings,
            tmp_path / "web.log",
            worker_class="gthread",
            app="web:create_app(websockets=False)",
            args=("--threads", "4"),
            env={"REALTIME_PORT": str(rt.port)},
        ) as web,
    ):
        assert _get(f"{web.http}/health")[1]["websocket_url"] == rt.ws
        assert _get(f"{rt.http}/health")[1]["websocket_url"] == rt.ws
        status, body = _get(f"{web.http}/ws")
        assert status == 404 and body["error"]["details"]["websocket_url"] == rt.ws
        # More sockets than the web process has threads: under gthread they took them all.
        keys = [tenant.member] * 15 + [tenant.admin] * 15 + [tenant.operator] * 10
        sockets = [_connect(rt.ws, key) for key in keys]
        for _ in range(20):
            assert _get(f"{web.http}/api/v1/contacts?limit=1", tenant.member)[0] == 200
        assert all(_ask(ws, op="ping")["type"] == "pong" for ws in sockets)
        for ws in sockets:
            ws.close()


def test_a_revoked_key_closes_its_socket_on_the_realtime_process(
    realtime: list[str], client: JsonClient, tenant: Tenant
) -> None:
    minted = client.post("/api/v1/keys", json={"name": "ws"}, headers=auth(tenant.member)).json
    assert minted is not None
    ws = _connect(realtime[1], minted["key"])
    # A socket opened with a ticket the key minted (the ops console's way) goes with it too.
    ticket = client.post("/api/v1/ws/ticket", headers=auth(minted["key"])).json["ticket"]
    ticketed = websocket.create_connection(f"{realtime[1]}?ticket={ticket}", timeout=5)
    assert json.loads(ticketed.recv())["type"] == "hello"
    revoke = client.delete(f"/api/v1/keys/{minted['id']}", headers=auth(tenant.member))
    assert revoke.status_code == 204
    assert _close_code(ws, 5 + 2) == 1008  # re-checked every 5 s (RECHECK_S)
    assert _close_code(ticketed, 2) == 1008  # closed by the same round


def test_disabling_a_user_or_changing_a_role_closes_their_sockets_on_the_realtime_process(
    realtime: list[str], app: Flask, client: JsonClient, tenant: Tenant
) -> None:
    """With the real re-check interval, from either door: the CLI disables, the API demotes."""
    member = _connect(realtime[0], tenant.member)
    # The admin's socket is opened with a ticket (the console's way), on the other process.
    ticket = client.post("/api/v1/ws/ticket", headers=auth(tenant.admin)).json["ticket"]
    admin = websocket.create_connection(f"{realtime[1]}?ticket={ticket}", timeout=5)
    assert json.loads(admin.recv())["type"] == "hello"
    untouched = _connect(realtime[0], tenant.operator)
    second = {"email": "second-admin@org-a.test", "role": "admin"}  # so the first may step down
    assert client.post("/api/v1/users", json=second, headers=auth(tenant.admin)).status_code == 201

    disabled = app.test_cli_runner().invoke(args=["users", "disable", "member@org-a.test"])
    assert disabled.exit_code == 0, disabled.output
    assert _close_code(member, 5 + 2) == 1008  # re-checked every 5 s (RECHECK_S)

    admin_id = next(
        u["id"]
        for u in client.get("/api/v1/users", headers=auth(tenant.operator)).json["items"]
        if u["email"] == "admin@org-a.test"
    )
    demote = client.patch(
        f"/api/v1/users/{admin_id}", json={"role": "member"}, headers=auth(tenant.operator)
    )
    assert demote.status_code == 200
    assert _close_code(admin, 5 + 2) == 1008
    # The operator's socket, whose access did not change, is still served.
    assert _ask(untouched, op="ping")["type"] == "pong"
    untouched.close()
