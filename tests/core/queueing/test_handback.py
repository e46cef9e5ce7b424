"""``Handback``: which deliveries it counts as running."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.brokers.stub import StubBroker

from core.queueing.handback import Handback
from core.settings import Settings


def test_a_retry_started_before_its_failed_attempt_ended_stays_running(
    settings: Settings,
) -> None:
    # A retry keeps its message's id and may start on another thread while the failed
    # attempt is still in its after-hooks; ending the attempt must not forget the retry.
    handback, broker = Handback(settings), StubBroker()
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name="default", actor_name="tests.retried", args=(), kwargs={}, options={}
    )
    failed, retry = MessageProxy(message), MessageProxy(message)
    handback.before_process_message(broker, failed)
    handback.before_process_message(broker, retry)
    assert handback.running() == [failed, retry]
    handback.after_process_message(broker, failed, exception=ValueError())
    assert handback.running() == [retry]
    handback.after_skip_message(broker, retry)
    assert handback.running() == []


def test_an_inert_handback_tracks_nothing() -> None:
    handback = Handback(None)
    message = MessageProxy(
        dramatiq.Message(queue_name="default", actor_name="a", args=(), kwargs={}, options={})
    )
    handback.before_process_message(StubBroker(), message)
    assert handback.running() == []
