"""Our Redis broker and consumer: Dramatiq's, woken when a message arrives, and pausable.

Dramatiq's ``_RedisConsumer`` polls. After an empty fetch it sleeps an exponential backoff
(5 ms doubling with jitter, up to the worker timeout, 1 s), so the first message after a
quiet moment waits for the rest of that sleep: 72-180 ms at p50 on our box.

Ours subscribes to its queue's wake channel (Redis pub/sub on the broker Redis) *before*
it fetches, and after an empty fetch waits on that subscription for the same backoff
instead of sleeping. Whatever puts a message in a queue publishes on the queue's channel
after the message is in Redis: this broker's ``enqueue`` and ``requeue``, and the relay's
pipeline (:func:`publish_wake`). A message the fetch missed was therefore published after
the subscription existed, and its wake-up is already waiting on the socket: none is lost
to a race. A lost wake-up (subscription down, a publisher that does not publish, such as
maintenance requeueing a dead worker's messages) costs only Dramatiq's usual poll backoff.

Message format, fetch, nacks, heartbeats and maintenance are Dramatiq's, untouched.
Pub/sub creates no key, so nothing here needs ``KEYS`` or ``SCAN``.

Acks are Dramatiq's ``ack`` command, but not sent by the worker thread that finished the
job: :meth:`WakingConsumer.ack` hands the message id to the consumer's
:class:`core.queueing.acks.AckSender`, which sends every id waiting in one pipelined round
trip. The id leaves ``queued_message_ids`` at once, as in Dramatiq, so prefetch and the
requeue at shutdown are unchanged; ``close`` sends what is waiting before it requeues. An
ack lost with its process (killed between the job and the send) leaves the message unacked:
Dramatiq's maintenance redelivers it once the worker's heartbeat is stale, and the ledger
skips a job that already finished (docs/decisions/0002), so the job does not run twice.
A message of an org acked by fairness with its slot's release (``ACKED_OPTION``,
docs/decisions/0039) gets no ack here; what a consumer fetched goes through the broker's
``on_fetch`` hook first, where fairness parks the messages of an org at its cap.

Messages a live worker lost (a fetch reply that never came back from a hung Redis, the
delay queue Dramatiq drops on a connection error) are found by the queue's
:class:`core.queueing.acks.AckBook`: after a connection error, and every minute, the
consumer requeues what its ack set holds and it does not.

A paused queue (:mod:`core.queueing.pause`) fetches nothing and reports idle. The consumer
re-reads the paused flag once a second, and before its next fetch when it hears
``PAUSED_CHANNEL`` (pause and resume publish there), so a wake-up costs no extra round trip.
It reads its subscription before every fetch, so notices never pile up in Redis.

This is the only module that relies on Dramatiq's private consumer API (``_RedisConsumer``,
``message_cache``, ``misses``, ``do_fetch``, ``_dispatch``). It was written for
:data:`DRAMATIQ_VERSION`; ``tests/core/queueing/test_consumer.py`` fails on any other.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import compute_backoff
from dramatiq.errors import ConnectionClosed
from redis.client import PubSub

from core.queueing.acks import ACK_BATCH, RECONCILE_EVERY_S, AckBook, AckSender
from core.queueing.pause import PAUSE_CHECK_INTERVAL_S, PAUSED_CHANNEL, PAUSED_KEY

log = logging.getLogger(__name__)

#: The Dramatiq release whose ``_RedisConsumer`` this module was written against.
DRAMATIQ_VERSION = "2.2.1"
PAUSED_SLEEP_S = 0.1
#: On a message core.queueing.fairness parked: its id left this worker's ack set for the
#: org's parking list, so it gets no ack.
PARKED_OPTION = "saleshub_parked"
#: On a message core.queueing.fairness acked in the script that gave its org's slot back:
#: the consumer sends no ack of its own.
ACKED_OPTION = "saleshub_acked"
SUBSCRIBE_TIMEOUT_S = 2.0
__all__ = [
    "ACKED_OPTION",
    "ACK_BATCH",
    "PARKED_OPTION",
    "AckSender",
    "WakingConsumer",
    "WakingRedisBroker",
    "publish_wake",
]


def wake_channel(namespace: str, queue_name: str) -> str:
    """The pub/sub channel consumers of ``queue_name`` (``default``, ``default.DQ``) wait on."""
    return f"{namespace}:{queue_name}.wake"


def publish_wake(client: Any, namespace: str, queue_names: Iterable[str]) -> None:
    """Wake the consumers of ``queue_names``; ``client`` may be a pipeline (then queued)."""
    for name in sorted(set(queue_names)):
        client.publish(wake_channel(namespace, name), b"1")


class WakingConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer that waits for a wake-up instead of sleeping, and pauses.

    Parameters:
      broker: the :class:`WakingRedisBroker` it fetches from.
      queue_name: the queue (or delay queue) to consume.
      prefetch: how many messages it may hold unacked.
      timeout: the longest wait between fetches while idle, in milliseconds.
    """

    def __init__(self, broker: RedisBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self._canonical = queue_name.removesuffix(".DQ")
        self._channel = wake_channel(broker.namespace, queue_name)
        self._pubsub: PubSub | None = None
        self._checked = 0.0
        self._paused = False
        self._book: AckBook = broker.ack_book(queue_name)
        self._acks = AckSender(broker, queue_name, self._book.take_unsent())
        self._reconciled = time.monotonic()
        self._closed = False
        #: The last fetch got fewer messages than it asked for (the queue was emptied).
        self._drained = False

    def ack(self, message: Any) -> None:
        """Queue the ack for :class:`AckSender` (Dramatiq sends it from this thread).

        A parked message gets none: the parking script took it out of the ack set, and an
        ack that landed after the message came back and was fetched again would delete its
        body. Fairness released it from the book when it parked it.
        """
        self.queued_message_ids.discard(message.message_id)
        if message.options.get(PARKED_OPTION):
            return
        rid = message.options["redis_message_id"]
        if message.options.get(ACKED_OPTION):  # acked with its slot's release
            self._book.release(rid)
            return
        self._acks.put(rid)  # before release: a reconcile always sees it in one of the two
        self._book.release(rid)

    def nack(self, message: Any) -> None:
        try:
            super().nack(message)
        finally:
            self._book.release(message.options["redis_message_id"])

    def requeue(self, messages: Iterable[Any]) -> None:
        """Dramatiq's requeue; with Redis down the ids stay in the ack set for a reconcile.

        Raising here would end Dramatiq's consumer thread for good: its ``close`` (which
        requeues the delay queue) only expects ``ConnectionClosed``, and an unexpected
        error in it escapes ``ConsumerThread.run``.
        """
        messages = list(messages)
        try:
            super().requeue(messages)
        except redis.RedisError as exc:
            log.warning(
                "requeue of %d messages of %s failed: %s", len(messages), self.queue_name, exc
            )
            self._book.suspect = True
        for message in messages:
            self._book.release(message.options["redis_message_id"])

    def _track(self, message: Any) -> Any:
        if message is not None:
            self._book.hold(message.options["redis_message_id"])
        return message

    def _reconcile_if_due(self) -> None:
        now = time.monotonic()
        if not self._book.suspect and now - self._reconciled < RECONCILE_EVERY_S:
            return
        try:
            self._book.reconcile(self.broker, self._acks)
        except redis.ConnectionError as exc:
            self._book.suspect = True
            raise ConnectionClosed(exc) from None
        self._reconciled = now

    def _is_paused(self) -> bool:
        now = time.monotonic()
        if now - self._checked >= PAUSE_CHECK_INTERVAL_S:
            try:
                self._paused = bool(self.broker.client.sismember(PAUSED_KEY, self._canonical))
            except redis.RedisError:
                self._paused = False  # the fetch surfaces the outage the usual way
            self._checked = now
        return self._paused

    def _subscription(self) -> PubSub | None:
        """Our confirmed subscription, made if needed; None if Redis would not give one."""
        if self._pubsub is not None:
            return self._pubsub
        pubsub = self.broker.client.pubsub()
        try:
            pubsub.subscribe(self._channel, PAUSED_CHANNEL)
            # Confirmed before the fetch, so a publish after the fetch cannot be missed.
            deadline = time.monotonic() + SUBSCRIBE_TIMEOUT_S
            confirmed = 0
            while time.monotonic() < deadline:
                reply = pubsub.get_message(timeout=deadline - time.monotonic())
                if reply is not None and reply["type"] == "subscribe":
                    confirmed += 1
                    if confirmed == 2:
                        self._pubsub = pubsub
                        return pubsub
        except redis.RedisError as exc:
            log.warning("no wake-ups for %s, polling instead: %s", self.queue_name, exc)
        pubsub.close()
        return None

    def _wait(self, pubsub: PubSub | None, seconds: float) -> None:
        """Wait up to ``seconds`` for a wake-up; on one, fetch again without backing off."""
        if pubsub is None:
            time.sleep(seconds)
        elif self._read(pubsub, seconds):
            self.misses = 0

    def _read(self, pubsub: PubSub, seconds: float) -> bool:
        """Read every notice waiting (up to ``seconds`` for the first); True if any came.

        A pause notice makes the next fetch re-read the paused flag. Reading also keeps a
        busy consumer's subscription from piling up in Redis's pub/sub output buffer.
        """
        heard = False
        try:
            reply = pubsub.get_message(timeout=seconds)
            while reply is not None:
                if reply["type"] == "message":
                    heard = True
                    if reply["channel"] == PAUSED_CHANNEL.encode():
                        self._checked = 0.0
                reply = pubsub.get_message(timeout=0)
        except redis.RedisError:
            self._drop_subscription()
        return heard

    def _drop_subscription(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(redis.RedisError):
                self._pubsub.close()
            self._pubsub = None

    def __next__(self) -> Any:
        if self.message_cache:
            return self._track(super().__next__())
        try:
            pubsub = self._subscription()
        except redis.ConnectionError as exc:
            self._book.suspect = True
            raise ConnectionClosed(exc) from None
        self._reconcile_if_due()
        # The fetch below serves wake-ups already sent.
        heard = pubsub is not None and self._read(pubsub, 0)
        if self._is_paused():
            time.sleep(PAUSED_SLEEP_S)
            return None
        wanted = self.prefetch - self.outstanding_message_count
        if wanted <= 0:
            return super().__next__()  # prefetch full: Dramatiq's own backoff until an ack
        if self._drained and pubsub is not None and not heard:
            # The last fetch emptied the queue, and we were subscribed before it ran: what
            # came since has a wake-up on our socket. So no second fetch straight after the
            # hand-off to a worker thread (on a quiet system it finds nothing, and its
            # round trip and GIL time delay that thread's start); a wait for the wake-up,
            # or Dramatiq's first backoff (a few ms), then the fetch, as after a miss.
            return self._idle(pubsub)
        try:
            self.message_cache = self.broker.do_fetch(self.queue_name, wanted)
        except redis.ConnectionError as exc:
            self._book.suspect = True  # the fetch may have run and its reply been lost
            raise ConnectionClosed(exc) from None
        self._drained = 0 < len(self.message_cache) < wanted
        if self.message_cache and self.broker.on_fetch is not None:
            self.message_cache = self.broker.on_fetch(self.queue_name, self.message_cache)
            if not self.message_cache:  # all parked: the queue may hold more, fetch again
                self.misses, self._drained = 0, False
                return None
        if self.message_cache:
            return self._track(super().__next__())
        return self._idle(pubsub)

    def _idle(self, pubsub: PubSub | None) -> None:
        """Wait Dramatiq's next backoff, or less if a wake-up comes; the consumer's None."""
        self._drained = False
        self.misses, backoff_ms = compute_backoff(self.misses, max_backoff=self.timeout)
        self._wait(pubsub, backoff_ms / 1000)
        return None

    def close(self) -> None:
        """Send the acks waiting, drop the wake subscription, then close as Dramatiq does.

        A delay-queue consumer's messages were in Dramatiq's delay queue, which its thread
        has requeued (released) or, after a connection error, dropped: the book forgets
        them and the next consumer reconciles. Acks not sent go to the next consumer.
        """
        if self._closed:
            return
        self._closed = True
        self._book.keep_unsent(self._acks.close())
        if self.queue_name.endswith(".DQ"):
            self._book.drop_all()
        self._drop_subscription()
        super().close()


class WakingRedisBroker(RedisBroker):
    """Dramatiq's Redis broker whose consumers wake on arrival and honour paused queues."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._books: dict[str, AckBook] = {}
        self._books_lock = threading.Lock()
        #: Called with a queue's name and what a consumer fetched from it (Dramatiq's encoded
        #: messages); returns what the consumer keeps (core.queueing.fairness parks the rest).
        self.on_fetch: Callable[[str, list[Any]], list[Any]] | None = None

    def ack_book(self, queue_name: str) -> AckBook:
        """The book of what this process holds of ``queue_name`` (one per queue)."""
        with self._books_lock:
            book = self._books.get(queue_name)
            if book is None:
                book = self._books[queue_name] = AckBook(queue_name)
            return book

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return WakingConsumer

    def do_enqueue(self, queue_name: str, *args: Any) -> Any:
        """Dramatiq's enqueue (``RedisBroker.enqueue`` calls it), then wake the consumers."""
        result = self._dispatch("enqueue")(queue_name, *args)
        publish_wake(self.client, self.namespace, [queue_name])
        return result

    def do_requeue(self, queue_name: str, *args: Any) -> Any:
        """Dramatiq's requeue (unacked messages of a stopping consumer), then wake the others."""
        result = self._dispatch("requeue")(queue_name, *args)
        publish_wake(self.client, self.namespace, [queue_name])
        return result
