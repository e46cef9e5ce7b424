"""Start counts and cancel markers in the broker Redis (core/queueing/starts.py), and every
path that gives a message back or ends it forgetting its count."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from core.queueing.acks import AckSender
from core.queueing.broker import build_redis_broker
from core.queueing.consumer import WakingRedisBroker
from core.queueing.starts import StartBook
from core.settings import Settings
from tests.support.stack import wait_for


@pytest.fixture
def broker(settings: Settings) -> Iterator[WakingRedisBroker]:
    b = build_redis_broker(settings)
    assert isinstance(b, WakingRedisBroker)
    yield b
    b.client.close()


def _ids() -> tuple[str, str]:
    return str(uuid.uuid4()), str(uuid.uuid4())


def test_claim_counts_starts_of_one_message(broker: WakingRedisBroker) -> None:
    book = broker.start_book
    rid, job = _ids()
    assert [book.claim(rid, job) for _ in range(3)] == [1, 2, 3]
    book.forget(broker.client, [rid])
    assert book.claim(rid, job) == 1


def test_cancel_marks_a_job_not_started_and_refuses_one_started(broker: WakingRedisBroker) -> None:
    book: StartBook = broker.start_book
    (rid_a, job_a), (rid_b, job_b) = _ids(), _ids()
    undispatched = str(uuid.uuid4())
    book.claim(rid_b, job_b)  # a worker runs b
    assert book.cancel([(job_a, rid_a), (job_b, rid_b), (undispatched, None)]) == {1}
    assert book.claim(rid_a, job_a) == -1  # marked: the worker asks PostgreSQL
    assert book.claim(str(uuid.uuid4()), undispatched) == -1
    assert broker.client.ttl(book.cancel_key(job_a)) > 7 * 24 * 3600
    assert not broker.client.exists(book.cancel_key(job_b))


def test_requeue_and_ack_forget_the_count(broker: WakingRedisBroker) -> None:
    book = broker.start_book
    (rid_a, job_a), (rid_b, job_b) = _ids(), _ids()
    book.claim(rid_a, job_a)
    book.claim(rid_b, job_b)
    broker.do_requeue("default", rid_a)  # a hand-back, or a stopping worker's prefetch
    assert not broker.client.hexists(book.starts_key, rid_a)
    sender = AckSender(broker, "default")
    sender.put(rid_b)
    wait_for(lambda: not broker.client.hexists(book.starts_key, rid_b), timeout=10)
    sender.close()
