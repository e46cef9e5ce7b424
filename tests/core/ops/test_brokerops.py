"""The ops views behind the broker interface, on Redis and on RabbitMQ alike: dead letters
paged newest first, filtered, read one by one, retried through the outbox and removed."""

from __future__ import annotations

import uuid
from typing import Any

from dramatiq import Broker
from sqlalchemy.orm import Session, sessionmaker

from core.ops import deadletters
from core.ops.brokerops import BrokerOps
from models import Job
from tests.support.actors import effect
from tests.support.brokers import kill


def _walk(ops: BrokerOps, limit: int, **filters: Any) -> list[deadletters.DeadLetter]:
    out: list[deadletters.DeadLetter] = []
    after = None
    while True:
        found, after = ops.page(limit=limit, after=after, **filters)
        out += found
        if after is None:
            return out


def test_dead_letters_page_filter_get_retry_and_remove(
    job_broker: Broker, job_ops: BrokerOps, sessions: sessionmaker[Session]
) -> None:
    on_default = kill(job_broker, job_ops, [effect.message(f"needle-d{i}") for i in range(3)])
    on_bulk = kill(
        job_broker,
        job_ops,
        [effect.message(f"needle-b{i}").copy(queue_name="bulk") for i in range(2)],
    )
    walked = _walk(job_ops, 2)
    assert sorted(d.message_id for d in walked) == sorted(on_default + on_bulk)
    died = [d.died_at for d in walked]
    assert died == sorted(died, reverse=True) and all(d > 0 for d in died)
    assert {d.message_id for d in _walk(job_ops, 1, queue="bulk")} == set(on_bulk)
    assert (job_ops.count(), job_ops.count(queue="bulk"), job_ops.count(queue="push")) == (5, 2, 0)
    assert [d.message_id for d in job_ops.find(text="NEEDLE-B1")] == [on_bulk[1]]
    assert job_ops.count(actor="test.effect") == 5 and job_ops.count(actor="other") == 0
    assert len(list(job_ops.matching(queue="default"))) == 3

    letter = job_ops.get(on_bulk[0], queue=None, redis_id=None)
    assert letter is not None and (letter.queue, letter.actor) == ("bulk", "test.effect")
    assert letter.public()["args"] == ["needle-b0"]
    assert job_ops.get(str(uuid.uuid4()), queue=None, redis_id=None) is None

    with sessions() as s:
        assert deadletters.retry(s, job_ops, [letter]) == 1
    with sessions() as s:
        job = s.get(Job, uuid.UUID(letter.message_id))  # staged for the relay to send again
        assert job is not None and (job.status, job.queue, job.dispatched_at) == (
            "queued",
            "bulk",
            None,
        )
    assert job_ops.remove(job_ops.find(queue="default")) == 3
    assert [d.message_id for d in job_ops.find()] == [on_bulk[1]]
    assert job_ops.count() == 1
