"""Supervised loops: restarted with backoff after a crash, and counted across processes."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import redis

from core.queueing import supervisor
from core.queueing.supervisor import (
    flush_restarts,
    read_restarts,
    report_restarts_to,
    restarts,
    run_supervised,
)


@pytest.fixture
def reported(broker_redis: redis.Redis) -> Iterator[redis.Redis]:
    report_restarts_to(broker_redis)
    yield broker_redis
    report_restarts_to(None)


def test_a_loop_that_raises_is_restarted_and_counted_in_redis(reported: redis.Redis) -> None:
    runs: list[int] = []

    def loop() -> None:
        runs.append(1)
        if len(runs) <= 2:
            raise RuntimeError("injected bug")

    before = restarts("test-loop")
    run_supervised("test-loop", loop, first_backoff_s=0.01)
    assert len(runs) == 3  # two crashes, then it returned: stopped on purpose
    assert restarts("test-loop") == before + 2
    assert read_restarts(reported)["test-loop"] == 2


def test_stopping_ends_the_backoff_and_does_not_restart(reported: redis.Redis) -> None:
    stopping = threading.Event()
    runs: list[int] = []

    def loop() -> None:
        runs.append(1)
        stopping.set()
        raise RuntimeError("crashed while stopping")

    run_supervised("test-stopping", loop, stopping=stopping, first_backoff_s=30)
    assert runs == [1]  # returned at once, not after 30 s, and not run again


def test_restarts_counted_while_redis_is_down_are_reported_later(reported: redis.Redis) -> None:
    down = redis.Redis(port=1, socket_connect_timeout=0.2)  # nothing listens on port 1
    report_restarts_to(down)

    def loop() -> None:
        if restarts("test-down") < 1:
            raise RuntimeError("crash while Redis is down")

    run_supervised("test-down", loop, first_backoff_s=0.01)
    assert supervisor._unreported["test-down"] == 1
    report_restarts_to(reported)
    flush_restarts()
    assert read_restarts(reported)["test-down"] == 1
    assert supervisor._unreported["test-down"] == 0
