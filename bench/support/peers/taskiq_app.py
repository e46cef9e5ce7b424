"""Taskiq with taskiq-redis's list queue.

Worker: ``taskiq worker bench.support.peers.taskiq_app:broker``.
"""

from __future__ import annotations

import asyncio

from taskiq_redis import ListQueueBroker

from bench.support.peers.effect import PREFIX, URL, record

broker = ListQueueBroker(URL, queue_name=f"{PREFIX}-taskiq")


@broker.task(task_name="peer_noop")
async def noop(enqueued_at: float | None = None) -> None:
    record(enqueued_at)  # a sync Redis call of well under a millisecond, as the others do


_loop: asyncio.AbstractEventLoop | None = None


def enqueue(enqueued_at: float | None = None) -> None:
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
        _loop.run_until_complete(broker.startup())
    _loop.run_until_complete(noop.kiq(enqueued_at))
