"""Payloads and assertions shared by the web tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from tests.conftest import auth
from tests.support.client import JsonClient, JsonResponse

RESOURCES = ("companies", "contacts", "deals", "leads", "activities")
MINIMAL: dict[str, dict[str, Any]] = {
    "companies": {"name": "Acme"},
    "contacts": {"first_name": "Ada"},
    "deals": {"title": "Big one"},
    "leads": {"name": "Grace Hopper"},
    "activities": {"kind": "call", "subject": "Intro"},
}
UPDATES: dict[str, dict[str, Any]] = {
    "companies": {"city": "Lyon"},
    "contacts": {"email": "ada@example.com"},
    "deals": {"stage": "won", "amount": "1200.50"},
    "leads": {"status": "contacted", "score": 40},
    "activities": {"done": True},
}
# Every table a request could write to.
TABLES = (
    "organizations",
    "users",
    "api_keys",
    "companies",
    "contacts",
    "deals",
    "leads",
    "activities",
    "jobs",
    "idempotency_keys",
    "analytics_snapshots",
)


def create_all(client: JsonClient, key: str) -> dict[str, dict[str, Any]]:
    """One row of every resource, created through the API; name to its JSON."""
    out = {}
    for name in RESOURCES:
        resp = client.post(f"/api/v1/{name}", json=MINIMAL[name], headers=auth(key))
        assert resp.status_code == 201, resp.json
        out[name] = resp.json
    return out


# Bookkeeping that any authenticated request may write (a key's last use).
_SELECT = {
    "api_keys": "id, user_id, name, prefix, key_hash, revoked_at, expires_at, created_at",
}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a comparable form."""
    with engine.connect() as conn:
        return {
            t: [
                tuple(r)
                for r in conn.execute(text(f"SELECT {_SELECT.get(t, '*')} FROM {t} ORDER BY 1"))
            ]
            for t in TABLES
        }


def count(engine: Engine, table: str, where: str = "TRUE", **params: Any) -> int:
    """Rows of ``table`` matching ``where``."""
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"), params).scalar()
    assert isinstance(n, int)
    return n


def assert_error(resp: JsonResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """``resp`` is a JSON error of ``status``; return its ``error`` object."""
    assert resp.status_code == status, (resp.status_code, resp.get_data()[:500])
    assert resp.mimetype == "application/json"
    body = resp.json
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return dict(error)


def ws_connect(url: str, key: str, *, timeout: float = 5) -> Any:
    """A websocket on ``url`` signed in with ``key``, past its ``hello`` frame."""
    import websocket

    ws = websocket.create_connection(url, header=[f"Authorization: Bearer {key}"], timeout=timeout)
    assert ws_text(ws)["type"] == "hello"
    return ws


def ws_text(ws: Any) -> dict[str, Any]:
    """The next frame of ``ws``, which must be a JSON text frame."""
    import json

    import websocket

    opcode, data = ws.recv_data()
    assert opcode == websocket.ABNF.OPCODE_TEXT
    frame: dict[str, Any] = json.loads(data)
    return frame


def post_json(url: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    """POST ``body`` to a live server's ``url`` as ``key``; the created resource (201)."""
    import json
    import urllib.request

    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 201
        created: dict[str, Any] = json.loads(resp.read())
        return created
