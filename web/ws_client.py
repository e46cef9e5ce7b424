"""One websocket's side of the hub: its identity, bounded outbound queue and wake-up.

Split from ``web.ws`` (the hub and the ``/ws`` view), which imports it.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field

from web.auth import Principal
from web.ws_limits import Lease, TokenBucket

log = logging.getLogger(__name__)
SEND_QUEUE = 256


# An outbound frame: the monotonic time it was queued, its JSON, and the same JSON as a
# whole websocket text frame (built once per event for every socket); None only wakes.
Item = tuple[float, bytes, bytes] | None


@dataclass(eq=False)
class Client:
    """One socket's identity, outbound queue, cap lease and inbound budget."""

    who: Principal
    outbox: queue.Queue[Item] = field(default_factory=lambda: queue.Queue(SEND_QUEUE))
    channels: set[str] = field(default_factory=set)
    lease: Lease | None = None
    inbound: TokenBucket = field(default_factory=lambda: TokenBucket(20.0, 40))
    # No extension offered (permessage-deflate would compress each socket's frames itself).
    plain: bool = False
    dropped: bool = False
    revoked: bool = False
    warned_at: float = 0.0
    # Its presence id, and the last activity offset a resume replayed (live frames up to
    # it are duplicates, skipped).
    sid: str = field(default_factory=lambda: secrets.token_hex(8))
    activity_floor: tuple[int, int] | None = None
    # Live search: the latest query's seq, the query waiting to run, whether one runs.
    search_lock: threading.Lock = field(default_factory=threading.Lock)
    search_seq: int = 0
    search_next: tuple[int, str, int] | None = None
    search_busy: bool = False

    def revoke(self) -> None:
        """Mark the socket's access as gone and wake its handler to close it."""
        self.revoked = True
        with contextlib.suppress(queue.Full):
            self.outbox.put_nowait(None)

    def offer(self, data: bytes, frame: bytes) -> None:
        """Queue a frame; a client whose queue is full is dropped, never waited for."""
        if self.dropped:
            return
        try:
            self.outbox.put_nowait((time.monotonic(), data, frame))
        except queue.Full:
            self.dropped = True
            log.warning("dropping slow websocket client of user %s", self.who.user_id)


_wake = threading.local()


class _WakingEvent(threading.Event):
    """simple-websocket's "input arrived" event, which also wakes the socket's handler.

    The handler thread sleeps on its outbound queue; simple-websocket's reader thread sets
    this event when a frame (or the close) arrives, and the extra ``None`` in the queue
    wakes the handler to read it. So the handler never polls: it costs nothing while
    idle and forwards a frame as soon as the hub queues it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.wake: queue.Queue[Item] | None = getattr(_wake, "queue", None)

    def set(self) -> None:
        super().set()
        if self.wake is not None:
            with contextlib.suppress(queue.Full):
                self.wake.put_nowait(None)
