"""``LogContext``: every record logged while a message is processed carries its ids."""

from __future__ import annotations

import contextvars
import io
import logging
from collections.abc import Iterator
from typing import Any

import dramatiq
import orjson
import pytest
from dramatiq import Worker
from dramatiq.broker import MessageProxy
from dramatiq.brokers.stub import StubBroker

from core import logs
from core.queueing.log_context import LogContext
from core.queueing.status_feed import ORG_OPTION


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """JSON lines of the logger ``job``, formatted as the worker formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("job")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def test_a_messages_lines_carry_its_id_actor_and_org(lines: io.StringIO) -> None:
    broker = StubBroker(middleware=[LogContext()])
    log = logging.getLogger("job")

    @dramatiq.actor(broker=broker, actor_name="tests.logged")
    def logged(n: int) -> None:
        log.info("running %s", n)
        if n == 2:
            raise ValueError("boom")

    first = broker.enqueue(logged.message_with_options(args=(1,), **{ORG_OPTION: 42}))  # type: ignore[arg-type]
    second = broker.enqueue(logged.message(2))
    worker = Worker(broker, worker_threads=1)
    worker.start()
    try:
        broker.join(logged.queue_name, fail_fast=False)
        worker.join()
    finally:
        worker.stop()
    records = [orjson.loads(x) for x in lines.getvalue().splitlines()]
    running = {r["message"]: r for r in records if r["message"].startswith("running")}
    assert running["running 1"]["message_id"] == first.message_id
    assert running["running 1"]["actor"] == "tests.logged"
    assert running["running 1"]["org_id"] == 42
    assert running["running 2"]["message_id"] == second.message_id
    assert "org_id" not in running["running 2"]
    assert logs.job.get() is None  # nothing leaks out of a message


def test_a_retry_started_before_its_failed_attempt_ended_keeps_each_its_own_context() -> None:
    # A retry keeps its message's id; with a short backoff another worker thread may start it
    # while the failed attempt is still in its after-hooks. Each delivery resets its own value.
    middleware = LogContext()
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name="default", actor_name="tests.retried", args=(), kwargs={}, options={}
    )
    failed, retry = MessageProxy(message), MessageProxy(message)
    first, second = contextvars.Context(), contextvars.Context()
    first.run(middleware.before_process_message, StubBroker(), failed)
    second.run(middleware.before_process_message, StubBroker(), retry)
    first.run(middleware.after_process_message, StubBroker(), failed, exception=ValueError())
    assert first.run(logs.job.get) is None
    assert second.run(logs.job.get) == {
        "message_id": message.message_id,
        "actor": "tests.retried",
        "org_id": None,
    }
    second.run(middleware.after_process_message, StubBroker(), retry)
    assert second.run(logs.job.get) is None
