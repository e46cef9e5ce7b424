"""Acks sent off the worker threads, and the book that finds messages a consumer lost.

:class:`AckSender` sends one consumer's acks from a thread of its own, all waiting ids per
round trip (profiled in docs/decisions/0018-job-path-profile.md: the synchronous ack was 30%
of a worker's busy samples).

:class:`AckBook` answers a question Dramatiq's Redis consumer never asks: is every message in
this worker's ack set (``__acks__.<worker>.<queue>``: fetched, not yet acked) really held
by the worker? Three ways it is not, each seen or reproduced here (docs/decisions/0019):

- a fetch whose reply never arrived: the client timed out on a hung (SIGSTOPped) Redis and
  dropped the connection, then Redis woke and ran the fetch, moving ids into the ack set;
- a broker connection error in a delay-queue consumer: Dramatiq's consumer thread drops
  its in-memory delay queue (``ConsumerThread.run``) without requeueing it;
- a requeue or ack that failed while Redis was down.

Dramatiq's maintenance requeues an ack set only once its worker's heartbeat is stale, and
a worker that lost a message goes on beating: the message waits for the next deploy, its
job ``queued`` forever. So after a connection error, and every ``RECONCILE_EVERY_S``, the
consumer reconciles: ids in its ack set that it neither holds nor still has to ack go back
to their queue (Dramatiq's own ``requeue`` command, which only moves ids still in the set,
so an ack that lands first wins). The book is per queue and shared by the consumers a
consumer thread makes one after another, because messages handed to worker threads
outlive the consumer that fetched them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import Any

import redis
from dramatiq.brokers.redis import RedisBroker

from core.queueing.supervisor import run_supervised

log = logging.getLogger(__name__)

#: Most acks sent in one pipeline.
ACK_BATCH = 256
#: How often a consumer reconciles its ack set when nothing went wrong (a lost fetch reply
#: leaves no trace on the client side).
RECONCILE_EVERY_S = 60.0


def ack_set_key(namespace: str, worker_id: str, queue_name: str) -> str:
    """Dramatiq's ack set of one worker and queue: the ids it fetched and has not acked."""
    return f"{namespace}:__acks__.{worker_id}.{queue_name}"


class AckSender:
    """Sends one consumer's acks from a thread of its own, all waiting ids per round trip.

    Parameters:
      broker: the broker whose ``dispatch`` script acks (Dramatiq's ``ack`` command).
      queue_name: the queue the messages were fetched from (acks go to the current queue).
      waiting: ids a previous consumer of the queue could not send; sent first.
    """

    def __init__(
        self, broker: RedisBroker, queue_name: str, waiting: list[str] | None = None
    ) -> None:
        self.broker = broker
        self.queue_name = queue_name
        self._cond = threading.Condition()
        self._ids: list[str] = list(waiting or [])
        self._in_flight: list[str] = []
        self._closed = False
        self._thread = threading.Thread(
            target=run_supervised,
            args=(f"acks-{queue_name}", self._run),
            kwargs={"first_backoff_s": 0.05, "max_backoff_s": 2.0},
            name=f"acks-{queue_name}",
            daemon=True,
        )
        self._thread.start()

    def put(self, redis_message_id: str) -> None:
        with self._cond:
            self._ids.append(redis_message_id)
            if len(self._ids) == 1:
                self._cond.notify()

    def pending(self) -> set[str]:
        """The ids not yet acked in Redis: waiting and being sent."""
        with self._cond:
            return {*self._ids, *self._in_flight}

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._ids and not self._closed:
                    self._cond.wait()
                if not self._ids:
                    return
                batch, self._ids = self._ids[:ACK_BATCH], self._ids[ACK_BATCH:]
                self._in_flight = batch
            try:
                self._send(batch)
            except redis.RedisError as exc:
                with self._cond:  # kept: sent again once Redis answers
                    self._ids[:0] = batch
                    if self._closed:  # close() hands them on
                        return
                log.warning(
                    "acks for %s not sent yet (%d waiting): %s",
                    self.queue_name,
                    len(self._ids),
                    exc,
                )
                time.sleep(0.1)
            finally:
                with self._cond:
                    self._in_flight = []
                    self._cond.notify_all()

    def _send(self, ids: list[str]) -> None:
        broker = self.broker
        script = broker.scripts["dispatch"]
        now = int(time.time() * 1000)
        pipe = broker.client.pipeline(transaction=False)
        for rid in ids:
            args = ["ack", now, self.queue_name, broker.broker_id, broker.heartbeat_timeout]
            args += [broker.dead_message_ttl, 0, broker._max_unpack_size(), rid]
            script(keys=[broker.namespace], args=args, client=pipe)
        pipe.execute()

    def close(self, timeout: float = 10.0) -> list[str]:
        """Send what is waiting (for up to ``timeout`` seconds), stop; return the ids unsent."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            while (self._ids or self._in_flight) and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            unsent = [*self._in_flight, *self._ids]
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if unsent:
            log.warning("%d acks for %s not sent yet", len(unsent), self.queue_name)
        return unsent


class AckBook:
    """What one worker process holds of one queue, shared by its successive consumers.

    Parameters:
      queue_name: the queue (or delay queue) the book is for.
    """

    def __init__(self, queue_name: str) -> None:
        self.queue_name = queue_name
        self._lock = threading.Lock()
        # A count per id, not a set: a message fairness parked can come back and be fetched
        # again before the parking released the first fetch's hold (core.queueing.fairness).
        self._held: Counter[str] = Counter()
        self._unsent: list[str] = []
        #: Something may have been lost since the last reconcile: do one before fetching.
        self.suspect = False

    def hold(self, redis_message_id: str) -> None:
        """A message was handed to Dramatiq (the work queue or the delay queue)."""
        with self._lock:
            self._held[redis_message_id] += 1

    def release(self, redis_message_id: str) -> None:
        """The message was acked, nacked or requeued: not ours any more."""
        with self._lock:
            if self._held[redis_message_id] > 1:
                self._held[redis_message_id] -= 1
            else:
                self._held.pop(redis_message_id, None)

    def drop_all(self) -> None:
        """Everything held is gone (a delay queue Dramatiq discarded): reconcile soon."""
        with self._lock:
            self._held.clear()
            self.suspect = True

    def held(self) -> set[str]:
        with self._lock:
            return set(self._held)  # the ids held at least once

    def keep_unsent(self, ids: list[str]) -> None:
        """Acks a closing consumer could not send: the next consumer sends them."""
        with self._lock:
            self._unsent.extend(ids)

    def take_unsent(self) -> list[str]:
        with self._lock:
            ids, self._unsent = self._unsent, []
            return ids

    def reconcile(self, broker: RedisBroker, acks: AckSender) -> int:
        """Requeue what this worker's ack set has and nobody here holds; return how many.

        Order matters: the ack set is read first, then what is held, then the acks still
        to send (a worker thread puts its ack in the sender before it releases the id), so
        an id that moves between them while we look is always seen in one of them.
        """
        key = ack_set_key(broker.namespace, broker.broker_id, self.queue_name)
        members: Any = broker.client.smembers(key)
        in_set = {m.decode() if isinstance(m, bytes) else str(m) for m in members}
        lost = in_set - self.held() - acks.pending()
        if lost:
            log.warning(
                "requeueing %d messages of %s this worker no longer holds",
                len(lost),
                self.queue_name,
            )
            broker.do_requeue(self.queue_name, *sorted(lost))
        self.suspect = False
        return len(lost)
