"""Celery on Redis, thread pool, results off.

Worker: ``celery -A bench.support.peers.celery_app worker``.
"""

from __future__ import annotations

from celery import Celery

from bench.support.peers.effect import PREFIX, URL, record

app = Celery(f"{PREFIX}-celery", broker=URL)
app.conf.update(
    task_ignore_result=True,
    task_default_queue=f"{PREFIX}-celery",
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="peer_noop")
def noop(enqueued_at: float | None = None) -> None:
    record(enqueued_at)


def enqueue(enqueued_at: float | None = None) -> None:
    noop.delay(enqueued_at)
