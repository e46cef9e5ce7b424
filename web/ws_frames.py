"""Frames of ``/ws``: every one text JSON, written whole, within a deadline under gevent."""

from __future__ import annotations

import contextlib
import struct
import sys
from typing import Any

from simple_websocket import ConnectionClosed
from wsproto.events import TextMessage


def text_frame(payload: bytes) -> bytes:
    """``payload`` (UTF-8 JSON) as one unmasked, final text frame (RFC 6455 5.2)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x81, n)
    elif n < 65_536:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + payload


def cooperative() -> bool:
    """Whether sockets are gevent's (the realtime process), so a send can be timed out."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


class SendTimeout(Exception):
    """A frame's send outlived its deadline: the client stopped reading."""


def send_text(
    ws: Any, data: bytes | str, deadline_s: float | None = None, *, frame: bytes | None = None
) -> None:
    """Send one text frame, whole, within ``deadline_s`` (under gevent).

    simple-websocket's ``send`` calls ``socket.send`` once, which may write part of a frame
    on a non-blocking (gevent) socket; ``sendall`` writes it whole. A str is always a text
    frame: a bytes payload would go out as a binary frame, which browsers hand over as a Blob.
    """
    if not ws.connected:
        raise ConnectionClosed(ws.close_reason, ws.close_message)
    if frame is not None:  # built once for every socket that negotiated no extension
        out = frame
    else:
        text = data.decode() if isinstance(data, bytes) else data
        out = ws.ws.send(TextMessage(data=text))
    if deadline_s is None:
        ws.sock.sendall(out)
        return
    import gevent  # only where sockets are gevent's: the web process never imports it

    with gevent.Timeout(deadline_s, SendTimeout):
        ws.sock.sendall(out)


def abort(ws: Any) -> None:
    """Drop a connection whose stream may hold half a frame: no close frame can follow."""
    ws.connected = False
    with contextlib.suppress(OSError):
        ws.sock.shutdown(2)
    with contextlib.suppress(OSError):
        ws.sock.close()
