"""A dependency down closes websockets with 1013 (Try Again Later) and a reason."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import websocket
from flask import Flask

from tests.support.factories import Tenant
from tests.support.stack import RedisServer, ServeApp
from web.ws_client import UNAVAILABLE


def _close_frame(ws: websocket.WebSocket) -> tuple[int, str]:
    """Skip frames until the server's close; its code and reason."""
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            (code,) = struct.unpack("!H", data[:2])
            return code, data[2:].decode()


def test_broker_down_closes_sockets_with_try_again_later(
    make_app: Callable[..., Flask], tenant: Tenant, tmp_path: Path
) -> None:
    broker = RedisServer(tmp_path)
    broker.start()
    try:
        app = make_app(broker={"url": broker.url, "socket_timeout_s": 1.0})
        with ServeApp(app) as served:
            ws = websocket.create_connection(
                served.ws, header=[f"Authorization: Bearer {tenant.member}"], timeout=15
            )
            assert json.loads(ws.recv())["type"] == "hello"
            ws.send(json.dumps({"op": "subscribe", "channel": "jobs"}))
            assert json.loads(ws.recv())["type"] == "ack"
            broker.stop()
            assert _close_frame(ws) == (1013, UNAVAILABLE)
            ws.close()
    finally:
        broker.stop()
