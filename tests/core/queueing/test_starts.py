"""Start counts and cancel markers in the broker Redis (core/queueing/starts.py): only an ack
or nack that removed the message forgets its count; a requeue keeps it, a hand-back takes
back its one start."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from dramatiq import Message
from dramatiq.broker import MessageProxy

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


def _fetched(broker: WakingRedisBroker, rid: str) -> None:
    """Put a message with Redis id ``rid`` in ``default`` and fetch it into this broker's
    ack set, as a worker's consumer does."""
    broker.do_enqueue("default", rid, b"{}")
    assert broker.do_fetch("default", 1)


def test_claim_counts_starts_of_one_message(broker: WakingRedisBroker) -> None:
    book = broker.start_book
    rid, job = _ids()
    assert [book.claim(rid, job) for _ in range(3)] == [1, 2, 3]
    book.unclaim([rid])
    assert book.claim(rid, job) == 3
    book.unclaim([rid, rid, rid])
    assert not broker.client.hexists(book.starts_key, rid)
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


def test_a_requeued_message_keeps_its_count(broker: WakingRedisBroker) -> None:
    """A stopping worker gives back its prefetch (Dramatiq's requeue): a poison pill's
    earlier crashes stay counted, or it would start over after every requeue (the flaky
    end-to-end poison-pill test, docs/decisions/0028)."""
    book = broker.start_book
    rid, job = _ids()
    book.claim(rid, job)
    book.claim(rid, job)  # two workers it killed
    _fetched(broker, rid)
    broker.do_requeue("default", rid)
    assert broker.client.lrange(f"{broker.namespace}:default", 0, -1) == [rid.encode()]
    assert book.claim(rid, job) == 3


def test_a_handed_back_start_is_taken_back(broker: WakingRedisBroker) -> None:
    book = broker.start_book
    rid, job = _ids()
    book.claim(rid, job)  # a worker it killed
    _fetched(broker, rid)
    book.claim(rid, job)  # this worker runs it past its shutdown grace
    book.unclaim([rid])
    broker.do_requeue("default", rid)
    assert book.claim(rid, job) == 2  # one crash, the hand-back is none


def test_ack_and_nack_forget_the_count_of_the_message_they_removed(
    broker: WakingRedisBroker,
) -> None:
    book = broker.start_book
    (rid_a, job_a), (rid_b, job_b) = _ids(), _ids()
    for rid, job in ((rid_a, job_a), (rid_b, job_b)):
        _fetched(broker, rid)
        book.claim(rid, job)
    sender = AckSender(broker, "default")
    sender.put(rid_a)
    wait_for(lambda: not broker.client.hexists(book.starts_key, rid_a), timeout=10)
    sender.close()
    consumer = broker.consume("default", prefetch=1, timeout=100)
    message = MessageProxy(Message("default", "test.effect", (), {}, {"redis_message_id": rid_b}))
    consumer.nack(message)
    consumer.close()
    assert not broker.client.hexists(book.starts_key, rid_b)
    assert broker.client.zscore(f"{broker.namespace}:default.XQ", rid_b) is not None


def test_an_ack_that_removed_nothing_keeps_the_count(broker: WakingRedisBroker) -> None:
    """Taken for dead while it ran (#692), a worker acks a message maintenance already gave
    another worker: the count stays, so that worker's start asks PostgreSQL."""
    book = broker.start_book
    rid, job = _ids()
    broker.do_enqueue("default", rid, b"{}")  # in the queue again, in no ack set of ours
    book.claim(rid, job)
    sender = AckSender(broker, "default")
    sender.put(rid)
    wait_for(lambda: not sender.pending(), timeout=10)
    sender.close()
    assert broker.client.hexists(f"{broker.namespace}:default.msgs", rid)
    assert book.claim(rid, job) == 2
