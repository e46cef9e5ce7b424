"""RQ with its JSON serializer and SimpleWorker (no fork per job): ``rq worker-pool``."""

from __future__ import annotations

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from bench.support.peers.effect import PREFIX, URL, record

QUEUE = f"{PREFIX}-rq"
_queue = Queue(QUEUE, connection=redis.Redis.from_url(URL), serializer=JSONSerializer)


def noop(enqueued_at: float | None = None) -> None:
    record(enqueued_at)


def enqueue(enqueued_at: float | None = None) -> None:
    _queue.enqueue(noop, enqueued_at)
