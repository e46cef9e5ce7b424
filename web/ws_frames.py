"""Frames of ``/ws``: every one text JSON, built once; and how to drop a socket mid-frame."""

from __future__ import annotations

import contextlib
import struct
import sys
from typing import Any


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


def abort(ws: Any) -> None:
    """Drop a connection whose stream may hold half a frame: no close frame can follow."""
    ws.connected = False
    with contextlib.suppress(OSError):
        ws.sock.shutdown(2)
    with contextlib.suppress(OSError):
        ws.sock.close()
