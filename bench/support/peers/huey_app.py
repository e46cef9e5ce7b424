"""Huey on Redis, blocking pop: ``huey_consumer bench.support.peers.huey_app.huey``.

Huey serialises its messages with pickle (its only built-in serializer); this runs only in
the bench environment on loopback with messages this bench wrote.
"""

from __future__ import annotations

from huey import RedisHuey

from bench.support.peers.effect import PREFIX, URL, record

huey = RedisHuey(f"{PREFIX}-huey", url=URL, blocking=True, results=False)


@huey.task()
def noop(enqueued_at: float | None = None) -> None:
    record(enqueued_at)


def enqueue(enqueued_at: float | None = None) -> None:
    noop(enqueued_at)
