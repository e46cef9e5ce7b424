"""Live features on the realtime process (gevent), two processes side by side.

Activity frames carry their offset and resume from it (or resync); dashboard deltas and
presence join/leave reach every process's sockets of the org and none of another org's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis
import websocket
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import search as search_index
from core.live import activity, dashboard
from core.settings import Settings
from models import Company, Deal
from models.db import session_scope
from tests.support.factories import Tenant
from tests.support.stack import GunicornProcess
from web.auth import Principal
from web.ws_client import Client
from web.ws_live import Live

ENV = {"DASHBOARD_INTERVAL_S": "0.2", "PRESENCE_TTL_S": "3"}


@pytest.fixture(scope="module")
def realtime(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    logs = tmp_path_factory.mktemp("live")
    with (
        GunicornProcess(settings, logs / "a.log", worker_class="gevent", env=ENV) as a,
        GunicornProcess(settings, logs / "b.log", worker_class="gevent", env=ENV) as b,
    ):
        yield [a.ws, b.ws]


def _connect(url: str, key: str) -> websocket.WebSocket:
    ws = websocket.create_connection(url, header=[f"Authorization: Bearer {key}"], timeout=5)
    assert _text(ws)["type"] == "hello"
    return ws


def _text(ws: websocket.WebSocket) -> dict[str, Any]:
    opcode, data = ws.recv_data()
    assert opcode == websocket.ABNF.OPCODE_TEXT
    frame: dict[str, Any] = json.loads(data)
    return frame


def _subscribe(ws: websocket.WebSocket, channel: str, **extra: Any) -> dict[str, Any]:
    ws.send(json.dumps({"op": "subscribe", "channel": channel, **extra}))
    assert _text(ws)["type"] == "ack"
    return _text(ws)


def _silent(ws: websocket.WebSocket, seconds: float = 0.5) -> None:
    ws.settimeout(seconds)
    with pytest.raises(websocket.WebSocketTimeoutException):
        print(ws.recv())
    ws.settimeout(5)


def _not_own_join(ws: websocket.WebSocket, user_id: int) -> dict[str, Any]:
    """The next frame, past the watcher's own join (pub/sub may bring it after its snapshot,
    which already lists it: joins are idempotent for a client)."""
    while True:
        frame = _text(ws)
        if frame["type"] != "join" or frame["data"]["user_id"] != user_id:
            return frame


def _record(broker: redis.Redis, org_id: int, n: int) -> str:
    """What the ``live.activity`` job does for a committed write."""
    entry = {"resource": "deals", "action": "create", "row_id": n, "title": f"deal {n}"}
    offset = activity.record(
        broker, org_id, entry, event_id=f"t-{org_id}-{n}", max_entries=10_000, retention_s=3600
    )
    assert offset is not None
    return offset


def test_activity_frames_carry_offsets_and_stay_in_their_org(
    realtime: list[str], tenant: Tenant, other_tenant: Tenant, settings: Settings
) -> None:
    a, b = realtime
    mine = [_connect(a, tenant.member), _connect(b, tenant.admin)]
    theirs = _connect(b, other_tenant.member)
    for ws in (*mine, theirs):
        head = _subscribe(ws, "activity")
        assert head["type"] == "head" and head["offset"] == "0-0"
    offset = _record(redis.Redis.from_url(settings.broker.url), tenant.org_id, 1)
    for ws in mine:
        frame = _text(ws)
        assert frame["offset"] == offset and frame["channel"] == "activity"
        assert frame["data"]["title"] == "deal 1"
        assert {"type", "id", "ts", "data"} <= frame.keys()
    _silent(theirs)
    for ws in (*mine, theirs):
        ws.close()


def test_a_reconnecting_client_gets_what_it_missed_then_live_frames(
    realtime: list[str], tenant: Tenant, settings: Settings
) -> None:
    broker = redis.Redis.from_url(settings.broker.url)
    seen = _record(broker, tenant.org_id, 1)
    missed = [_record(broker, tenant.org_id, n) for n in (2, 3, 4)]
    ws = _connect(realtime[1], tenant.member)
    got = [_subscribe(ws, "activity", since=seen)] + [_text(ws) for _ in range(2)]
    assert [f["offset"] for f in got] == missed
    assert [f["data"]["row_id"] for f in got] == [2, 3, 4]
    live = _record(broker, tenant.org_id, 5)
    assert _text(ws)["offset"] == live  # no duplicate of the replayed ones before it
    ws.send(json.dumps({"op": "subscribe", "channel": "activity", "since": "nope"}))
    assert _text(ws)["type"] == "ack" and _text(ws)["type"] == "error"
    ws.close()


def test_an_offset_out_of_the_window_gets_one_resync(
    realtime: list[str], tenant: Tenant, settings: Settings
) -> None:
    broker = redis.Redis.from_url(settings.broker.url)
    first = _record(broker, tenant.org_id, 0)
    entry = {"resource": "deals", "action": "update", "row_id": 0, "title": "x"}
    for n in range(300):  # trimmed to about 10
        activity.record(
            broker, tenant.org_id, entry, event_id=f"r{n}", max_entries=10, retention_s=3600
        )
    ws = _connect(realtime[0], tenant.member)
    frame = _subscribe(ws, "activity", since=first)
    assert frame["type"] == "resync" and frame["offset"] == activity.head(broker, tenant.org_id)
    _silent(ws, 0.3)  # one frame, not the window
    ws.close()


def test_dashboard_snapshot_then_deltas_on_every_process(
    realtime: list[str],
    tenant: Tenant,
    other_tenant: Tenant,
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    a, b = realtime
    mine = [_connect(a, tenant.member), _connect(b, tenant.member)]
    theirs = _connect(a, other_tenant.member)
    for ws in (*mine, theirs):
        snap = _subscribe(ws, "dashboard")
        assert snap["type"] == "snapshot" and snap["data"]["full"] is True
        assert snap["data"]["figures"]["pipeline"]["won"]["count"] == 0
    with sessions.begin() as session:
        session.add(Deal(org_id=tenant.org_id, title="big", stage="won", amount="100"))
    _record(redis.Redis.from_url(settings.broker.url), tenant.org_id, 1)
    for ws in mine:
        delta = _text(ws)
        assert delta["type"] == "event" and delta["data"]["full"] is False
        figures = delta["data"]["figures"]
        assert figures["pipeline"] == {"won": {"count": 1, "amount": "100.00"}}
        assert figures["win_rate"] == 1.0 and figures["today"]["deals"] == 1
    _silent(theirs)
    for ws in (*mine, theirs):
        ws.close()


def test_presence_joins_and_leaves_across_processes(
    realtime: list[str], tenant: Tenant, other_tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    a, b = realtime
    watcher = _connect(a, tenant.member)
    snap = _subscribe(watcher, "presence")
    assert snap["type"] == "snapshot" and snap["data"]["users"] == [tenant.member_id]
    outsider = _connect(b, other_tenant.member)
    assert _subscribe(outsider, "presence")["data"]["users"] != [tenant.member_id]
    admin = _connect(b, tenant.admin)
    joined = _not_own_join(watcher, tenant.member_id)
    assert joined["type"] == "join" and joined["channel"] == "presence"
    admin_id = joined["data"]["user_id"]
    second_tab = _connect(a, tenant.admin)  # not a new join: the admin is already online
    second_tab.close()
    admin.close()
    left = _not_own_join(watcher, tenant.member_id)
    assert left["type"] == "leave" and left["data"]["user_id"] == admin_id
    # The outsider may still get its own join (it can trail its snapshot); nothing else.
    outsider.settimeout(0.3)
    with pytest.raises(websocket.WebSocketTimeoutException):
        while True:
            frame = json.loads(outsider.recv())
            assert frame["type"] == "join" and frame["data"]["user_id"] == other_tenant.member_id
    watcher.close()
    outsider.close()


def test_live_search_echoes_seq_and_validates(realtime: list[str], tenant: Tenant) -> None:
    ws = _connect(realtime[0], tenant.member)
    ws.send(json.dumps({"op": "search", "q": "acme", "seq": 7}))
    answer = _text(ws)
    assert answer["type"] == "search" and answer["data"]["seq"] == 7
    assert answer["data"]["q"] == "acme" and answer["data"]["items"] == []
    for bad in ({"q": ""}, {"q": "x", "limit": 0}, {"q": "x", "seq": "1"}):
        ws.send(json.dumps({"op": "search", **bad}))
        assert _text(ws)["type"] == "error"
    ws.close()


def test_live_reads_are_walled_to_the_sockets_org(
    app: Flask,
    sessions: sessionmaker[Session],
    tenant: Tenant,
    other_tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with session_scope(sessions) as s:
        s.add_all([Company(org_id=t.org_id, name=f"C{t.org_id}") for t in (tenant, other_tenant)])
    seen: list[set[int]] = []

    def forgetful(session: Session) -> None:
        """A read that forgot its org filter: only the wall keeps the other org out."""
        seen.append(set(session.scalars(select(Company.org_id))))

    def figures(session: Session, _org_id: int) -> dict[str, Any]:
        forgetful(session)
        return {"pipeline": {}}

    def search(session: Session, *_: Any, **__: Any) -> SimpleNamespace:
        forgetful(session)
        return SimpleNamespace(items=[], took_ms=0)

    monkeypatch.setattr(dashboard, "figures", figures)
    monkeypatch.setattr(search_index, "search", search)
    live = Live(app.extensions["saleshub"], set(), threading.Lock())
    who = Principal(user_id=tenant.member_id, org_id=tenant.org_id, role="member")
    live.subscribed(Client(who=who), "dashboard", {})  # the dashboard's snapshot
    live._round(tenant.org_id, 0)  # a coalesced dashboard push
    live.run_search(tenant.org_id, tenant.member_id, "c", 10)  # a live search
    assert seen == [{tenant.org_id}] * 3
