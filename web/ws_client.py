"""One websocket's side of the hub: its identity, and how frames reach it.

Split from ``web.ws`` (the hub and the ``/ws`` view), which imports it.

Under gevent (the realtime process) a frame is written straight from the hub's listener
to the socket, without blocking (``send`` with a zero timeout): one system call per socket
per event, no queue, no wake-up of another greenlet. Only a socket whose kernel buffer is
full gets a backlog, drained by a flusher greenlet started for it (within the send
deadline); a backlog whose oldest frame is ``slow_after_s`` old closes the socket (1013),
one past ``SEND_QUEUE`` frames cuts it. Under threads (the development server) every frame
goes through the flusher, so the hub's thread never blocks on a client.

The socket's own greenlet runs simple-websocket's reader loop itself (``NoThread``) and
handles each inbound frame as it arrives (``Inbound``): one greenlet per socket, not three.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from wsproto.events import CloseConnection, TextMessage

from core.live.activity import OFFSET_HEAD, offset_of, parse_offset
from web.auth import Principal
from web.ws_frames import SendTimeout, abort, cooperative
from web.ws_limits import Lease, TokenBucket

log = logging.getLogger(__name__)
SEND_QUEUE = 256
# The reason of a 1013 close (Try Again Later) when a dependency is down.
UNAVAILABLE = "service unavailable (a dependency is down): try again later"
# A ping frame from the server (unmasked, empty): the hub sends one to every socket.
PING = b"\x89\x00"


class NoThread:
    """simple-websocket's reader "thread", run by the socket's own handler instead."""

    def __init__(self, target: Callable[[], None]) -> None:
        self.run = target
        self.name = "ws-reader"

    def start(self) -> None:
        """The handler calls :attr:`run` itself, once the socket is registered."""


class Inbound:
    """simple-websocket's "input arrived" event: hands each inbound frame to the handler."""

    __slots__ = ("handler",)

    def __init__(self) -> None:
        self.handler: Callable[[], None] | None = None

    def set(self) -> None:
        if self.handler is not None:
            self.handler()

    def clear(self) -> None:
        """Nothing waits on it."""

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def is_set(self) -> bool:
        return False


class _HandshakeDone:
    """Stands in for wsproto's finished handshake (its h11 connection, headers and queues,
    a few KB a socket, kept by ``WSConnection`` for the socket's life though never used
    again): ``WSConnection.events`` still asks it for events."""

    def events(self) -> Iterator[Any]:
        return iter(())


HANDSHAKE_DONE = _HandshakeDone()


class _Events(list[Any]):
    """wsproto's queue of parsed events, as a list: it holds one or two events for a moment
    (they are handled as soon as a read parses them), and an empty ``deque`` costs about
    600 bytes a socket, an empty list 56."""

    __slots__ = ()

    def popleft(self) -> Any:
        return self.pop(0)


def release_handshake(ws: Any) -> None:
    """Drop what wsproto keeps of a finished handshake (see :class:`_HandshakeDone`), and
    give its connection a smaller event queue (:class:`_Events`)."""
    conn = ws.ws
    # simple-websocket has read every handshake event (the request it accepted) by now.
    if conn.connection is not None:
        conn.handshake = HANDSHAKE_DONE
        conn.connection._events = _Events(conn.connection._events)


class _NoLock:
    """Under gevent nothing runs between two statements that do not yield: no lock needed."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_LOCK = _NoLock()


def _lock() -> Any:
    return _NO_LOCK if cooperative() else threading.Lock()


@dataclass(eq=False, slots=True)  # slots: about 1 KB less a socket than a __dict__
class Client:
    """One socket's identity, subscriptions, outbound backlog, cap lease and inbound budget."""

    who: Principal
    ws: Any = None
    channels: set[str] = field(default_factory=set)
    lease: Lease | None = None
    inbound: TokenBucket = field(default_factory=lambda: TokenBucket(20.0, 40))
    # No extension offered (permessage-deflate would compress each socket's frames itself).
    plain: bool = False
    deadline_s: float | None = None
    slow_after_s: float = 10.0
    dropped: bool = False
    revoked: bool = False
    closing: bool = False
    warned_at: float = 0.0
    # Frames not yet written: (time queued, bytes, whether it is the close frame). Made
    # when first needed: an empty deque costs about 600 bytes, and most sockets never lag.
    backlog: deque[tuple[float, bytes, bool]] | None = None
    flushing: bool = False
    lock: Any = field(default_factory=_lock)
    # Its presence id; events held while a subscription's first state (a snapshot, a
    # resume's replay) is read and sent, and the last offset a replay sent (live activity
    # frames up to it are duplicates, skipped).
    sid: str = field(default_factory=lambda: secrets.token_hex(8))
    held: list[tuple[bytes, bytes]] | None = None
    activity_floor: tuple[int, int] | None = None
    # Live search: the latest query's seq, the query waiting to run, whether one runs.
    search_lock: Any = field(default_factory=_lock)  # its bodies never yield
    search_seq: int = 0
    search_next: tuple[int, str, int] | None = None
    search_busy: bool = False
    # Its bucket in the hub's timer wheel (pings, lease renewals, heartbeats), and when it
    # opened (its first ping comes a whole ping period later, as with a timer of its own).
    slot: int = -1
    opened_at: float = field(default_factory=time.monotonic)

    # ----------------------------------------------------------------- outbound
    def offer(self, data: bytes, frame: bytes) -> None:
        """An event's frame (``frame``: ``data`` as a whole text frame, built once)."""
        if self.closing:
            return
        if self.held is not None:  # a subscription's first state is being sent: after it
            if len(self.held) >= SEND_QUEUE:
                self._cut("too many events while its subscription started")
            else:
                self.held.append((data, frame))
            return
        if self.activity_floor is not None and not self._fresh(data):
            return
        self._write(frame if self.plain else self._encode(data))

    def send(self, data: bytes) -> None:
        """A frame of this socket's own (hello, ack, replies), in order with events."""
        if not self.closing:
            self._write(self._encode(data))

    def _encode(self, data: bytes) -> bytes:
        out: bytes = self.ws.ws.send(TextMessage(data=data.decode()))
        return out

    def _fresh(self, data: bytes) -> bool:
        """Whether ``data`` is not an activity frame a resume's replay already sent."""
        if not data.startswith(OFFSET_HEAD):
            return True
        offset = offset_of(data)
        pair = parse_offset(offset) if offset is not None else None
        if pair is None or self.activity_floor is None:
            return True
        if pair <= self.activity_floor:
            return False
        self.activity_floor = None  # past the replay: every later frame is new
        return True

    def _write(self, out: bytes, *, close: bool = False) -> None:
        with self.lock:
            if self.backlog or self.flushing or not cooperative():
                self._queue(out, close)
                return
            try:
                n = self.ws.sock.send(out, 0, 0.0)  # gevent: never waits
            except BlockingIOError:
                n = 0
            except OSError:  # the peer is gone: its reader ends the socket
                self.closing = True
                return
            if n == len(out):
                if close:
                    self._finish()
                return
            self._queue(out[n:], close)

    def _queue(self, out: bytes, close: bool) -> None:
        if self.backlog is None:
            self.backlog = deque()
        if len(self.backlog) >= SEND_QUEUE:
            self._cut("its backlog overflowed")
            return
        self.backlog.append((time.monotonic(), out, close))
        if not self.flushing:
            self.flushing = True
            threading.Thread(target=self._flush, name="ws-flush", daemon=True).start()

    def _flush(self) -> None:
        while True:
            with self.lock:
                if not self.backlog or not self.ws.connected:
                    self.flushing = False
                    self.backlog = None
                    return
                queued_at, out, close = self.backlog[0]
            if not close and time.monotonic() - queued_at > self.slow_after_s:
                log.warning("websocket of user %s fell behind; closed", self.who.user_id)
                with self.lock:
                    self.backlog, self.flushing = None, False
                self.close(1013, "too slow: fell behind the events")
                return
            try:
                self._sendall(out)
            except (SendTimeout, OSError):
                log.warning("websocket of user %s stopped reading; cut off", self.who.user_id)
                self._cut("its send deadline passed")
                return
            with self.lock:
                if self.backlog:
                    self.backlog.popleft()
            if close:
                self._finish()

    def _sendall(self, out: bytes) -> None:
        if self.deadline_s is None:
            self.ws.sock.sendall(out)
            return
        import gevent  # only where sockets are gevent's

        with gevent.Timeout(self.deadline_s, SendTimeout):
            self.ws.sock.sendall(out)

    # ----------------------------------------------------------------- closing
    def close(self, code: int, message: str) -> None:
        """Send a close frame after what is queued, then end the connection."""
        if self.closing or not self.ws.connected:
            return
        out = self.ws.ws.send(CloseConnection(code=code, reason=message))
        self._write(out, close=True)
        self.closing = True

    def revoke(self) -> None:
        """Access is gone: close the socket (1008)."""
        self.revoked = True
        self.close(1008, "access revoked: authenticate again")

    def _cut(self, why: str) -> None:
        self.dropped = self.closing = True
        log.warning("dropping websocket of user %s: %s", self.who.user_id, why)
        self.backlog = None
        abort(self.ws)

    def _finish(self) -> None:
        """The close frame is out: stop reading, so the handler returns."""
        self.ws.connected = False
        with contextlib.suppress(OSError):
            self.ws.sock.shutdown(2)

    def ping(self) -> bool:
        """Ping the client; False when it never answered the previous ping (cut it)."""
        if self.closing:
            return True
        if not self.ws.pong_received:
            self._cut("no pong")
            return False
        self.ws.pong_received = False
        self._write(PING)
        return True


def try_again_all(clients: Iterable[Client], reason: str = UNAVAILABLE) -> None:
    """Close every socket of ``clients`` with 1013 (try again later) and ``reason``."""
    for c in list(clients):
        c.close(1013, reason)
