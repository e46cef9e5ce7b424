"""Helpers for tests that drive a broker consumer by hand."""

from __future__ import annotations

import time
from typing import Any

from dramatiq.broker import MessageProxy

from core.queueing.consumer import WakingConsumer

WITHIN_S = 10.0


def take(consumer: Any, n: int, within_s: float = WITHIN_S) -> list[MessageProxy]:
    """Call ``next(consumer)`` until it gave ``n`` messages (fails after ``within_s``)."""
    taken: list[MessageProxy] = []
    deadline = time.monotonic() + within_s
    while len(taken) < n and time.monotonic() < deadline:
        got = next(consumer)
        if got is not None:
            taken.append(got)
    assert len(taken) == n
    return taken


def waking(consumer: object) -> WakingConsumer:
    """``broker.consume(...)`` of our Redis broker, typed as what it is."""
    assert isinstance(consumer, WakingConsumer)
    return consumer
