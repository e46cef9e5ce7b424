"""Per-org fairness: an org's jobs in flight in a pool are capped; the excess waits.

Generic over pools and callers: :class:`~core.queueing.org_slots.OrgSlots` holds leases in
Redis, one sorted set per (pool, org) whose members expire at their lease's end, so a
worker that dies frees its slots when its leases run out (no counter to leak).
:class:`OrgFairness`, a Dramatiq middleware placed before the ledger, takes a slot before a
message of an org runs. Other orgs' messages, behind it in the queue, run meanwhile. Ops
read :func:`OrgSlots.snapshot`: in flight, waiting and deferrals.

When the org is at its cap, on the Redis broker the message is *parked*
(docs/decisions/0033): one script checks the cap and, if it is full, moves the message's
Redis id from this worker's ack set to the (pool, org) parking list; its body stays in
Dramatiq's ``<queue>.msgs`` hash, so the relay's lost-message check still finds it. When one
of the org's jobs ends, the script that gives its slot back moves the oldest parked id to
the head of its queue (and wakes the queue's consumers). A parked message is in exactly
one place (queue, ack set or parking list) at every moment, each move being one script,
and a parking list is not any worker's: a worker that dies leaves it intact, and every
worker sweeps the lists every ``SWEEP_EVERY_S`` (slots freed by expired leases). Under a
flood each message is fetched about twice, instead of going round the delay queue once
per deferral.

Fewer round trips per job (docs/decisions/0039): once this process parked a message of
an org, its consumers park the org's next fetched messages in one script per fetch (while
the org is full), before they reach a worker thread; and a job that ends not failed is
acked in the script that gives its slot back, so the consumer sends no ack of its own.

Other brokers (RabbitMQ holds the message itself) get the earlier scheme: the message is
sent again with a delay (Dramatiq's delay queue, an exponential backoff per deferral,
capped) and this copy is skipped. Either way nothing is dropped and the job stays
``queued`` in the ledger.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

import redis
from dramatiq import Broker, Message
from dramatiq.broker import MessageProxy
from dramatiq.errors import DecodeError
from dramatiq.middleware import Middleware, SkipMessage

from core.queueing.acks import ack_set_key
from core.queueing.consumer import ACKED_OPTION, PARKED_OPTION, WakingRedisBroker
from core.queueing.org_slots import OrgSlots, cap_of
from core.queueing.queues import Pool, pool_of
from core.queueing.status_feed import ORG_OPTION
from core.queueing.supervisor import run_supervised
from core.settings import Settings

log = logging.getLogger(__name__)

#: On a skipped copy: the ledger leaves the job queued (core.queueing.ledger).
DEFERRED_OPTION = "saleshub_deferred"
#: On the copy sent again: how many times it was deferred (its backoff).
DEFERRALS_OPTION = "saleshub_deferrals"
# After a refused slot this process defers the org's next messages without asking Redis
# for this long (a flood's messages arrive back to back).
FULL_MEMO_S = 0.05
#: After parking a message of an org, this process's consumers park the org's next fetched
#: messages in one script per fetch, for this long (the script checks the cap each time).
PARK_MEMO_S = 1.0
# A lease outlives its job's time limit by this much before a dead worker's slot is freed.
LEASE_MARGIN_MS = 60_000
DEFAULT_TIME_LIMIT_MS = 600_000
#: How often each worker process releases parked messages whose org has free slots that no
#: ending job gave back (leases of dead workers that ran out).
SWEEP_EVERY_S = 5.0


class _QuietDeferrals(logging.Filter):
    """Drops Dramatiq's "Message %s was skipped." for messages deferred by fairness."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != "Message %s was skipped." or not record.args:
            return True
        message = record.args[0] if isinstance(record.args, tuple) else None
        options = getattr(message, "options", None) or {}
        return not options.get(DEFERRED_OPTION)


class OrgFairness(Middleware):
    """Cap each org's messages in flight per pool; park or defer the excess (never drop it).

    Parameters:
      settings: caps and backoff; ``None`` makes the middleware inert (unit tests, stubs).
    """

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings
        self._slots: OrgSlots | None = None
        self._local = threading.local()  # greenlet-local under gevent's patch
        self._full: dict[tuple[str, int], float] = {}  # (pool, org) -> refused at (monotonic)
        self._stop_sweeping = threading.Event()

    def after_worker_boot(self, broker: Broker, worker: Any) -> None:
        # Dramatiq logs a warning for every skipped message; a flood's deferrals are not news.
        logging.getLogger("dramatiq.worker.WorkerThread").addFilter(_QuietDeferrals())
        if self.settings is not None and isinstance(broker, WakingRedisBroker):
            broker.on_fetch = lambda queue_name, fetched: self._park_fetched(
                broker, queue_name, fetched
            )
            self._stop_sweeping.clear()
            threading.Thread(
                target=run_supervised,
                args=("fair-sweep", lambda: self._sweep_until_stopped(broker)),
                kwargs={"stopping": self._stop_sweeping},
                name="fair-sweep",
                daemon=True,
            ).start()

    def before_worker_shutdown(self, broker: Broker, worker: Any) -> None:
        self._stop_sweeping.set()

    def _sweep_until_stopped(self, broker: Broker) -> None:
        assert self.settings is not None
        slots = self.slots(broker)
        while not self._stop_sweeping.wait(SWEEP_EVERY_S):
            try:
                for pool in Pool:
                    slots.sweep(pool.value, cap=cap_of(self.settings, pool))
            except redis.RedisError as exc:  # Redis down: the next sweep tries again
                log.warning("sweeping parked messages failed: %s", exc)

    def slots(self, broker: Broker) -> OrgSlots:
        if self._slots is None:
            client: redis.Redis = broker.client  # type: ignore[attr-defined]
            self._slots = OrgSlots(client, broker.namespace)  # type: ignore[attr-defined]
        return self._slots

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._local.held = None
        org_id = message.options.get(ORG_OPTION)
        if self.settings is None or org_id is None or not hasattr(broker, "client"):
            return
        pool = pool_of(message.queue_name)
        slots = self.slots(broker)
        deferrals = int(message.options.get(DEFERRALS_OPTION, 0))
        if deferrals:
            slots.returned(pool.value, org_id)
        actor = broker.get_actor(message.actor_name)
        limit = int(actor.options.get("time_limit") or DEFAULT_TIME_LIMIT_MS)
        if isinstance(broker, WakingRedisBroker):
            self._acquire_or_park(broker, message, pool, org_id, limit + LEASE_MARGIN_MS)
            return
        memo = (pool.value, org_id)
        refused_at = self._full.get(memo)
        if refused_at is None or time.monotonic() - refused_at > FULL_MEMO_S:
            if slots.acquire(
                pool.value,
                org_id,
                message.message_id,
                cap=cap_of(self.settings, pool),
                lease_ms=limit + LEASE_MARGIN_MS,
            ):
                self._local.held = (pool.value, org_id, message.message_id)
                return
            self._full[memo] = time.monotonic()
        self._defer(broker, message, pool, org_id, deferrals + 1)

    def _acquire_or_park(
        self,
        broker: WakingRedisBroker,
        message: MessageProxy,
        pool: Pool,
        org_id: int,
        lease_ms: int,
    ) -> None:
        assert self.settings is not None
        rid = message.options["redis_message_id"]
        acks = ack_set_key(broker.namespace, broker.broker_id, message.queue_name)
        if self.slots(broker).acquire_or_park(
            pool.value,
            org_id,
            message.message_id,
            cap=cap_of(self.settings, pool),
            lease_ms=lease_ms,
            queue_name=message.queue_name,
            redis_id=rid,
            acks_key=acks,
        ):
            self._local.held = (pool.value, org_id, message.message_id)
            return
        self._full[(pool.value, org_id)] = time.monotonic()
        # Out of the ack set: not this worker's any more. The consumer sends no ack for it
        # (one landing after the message came back would delete its body).
        broker.ack_book(message.queue_name).release(rid)
        message.options[PARKED_OPTION] = True
        message.options[DEFERRED_OPTION] = True
        log.debug("org %s at its %s cap: %s parked", org_id, pool, message)
        raise SkipMessage()

    def _park_fetched(
        self, broker: WakingRedisBroker, queue_name: str, fetched: list[Any]
    ) -> list[Any]:
        """What a consumer of ``queue_name`` fetched (Dramatiq's encoded messages), without
        the messages parked here: those of orgs this process parked lately, if still full.

        A parked message never reaches a worker thread: one script per org and fetch
        instead of one per message. If Redis fails, the candidates are dropped from the
        fetch: each is either parked or still in this worker's ack set and held by nobody,
        where the reconcile this makes due finds it and requeues it.
        """
        assert self.settings is not None
        if queue_name.endswith(".DQ"):
            return fetched
        pool = pool_of(queue_name)
        now = time.monotonic()
        rids: list[str | None] = []
        candidates: dict[int, list[tuple[str, str]]] = {}
        for data in fetched:
            rids.append(None)
            try:
                message = Message.decode(data)
            except DecodeError:  # None or garbage: Dramatiq's consumer reports it
                continue
            org_id = message.options.get(ORG_OPTION)
            seen = self._full.get((pool.value, org_id)) if org_id is not None else None
            if org_id is not None and seen is not None and now - seen <= PARK_MEMO_S:
                rids[-1] = rid = str(message.options["redis_message_id"])
                candidates.setdefault(int(org_id), []).append((message.message_id, rid))
        if not candidates:
            return fetched
        acks = ack_set_key(broker.namespace, broker.broker_id, queue_name)
        cap = cap_of(self.settings, pool)
        slots = self.slots(broker)
        parked: set[str] = set()
        try:
            for org_id, items in candidates.items():
                got = slots.park_fetched(
                    pool.value, org_id, items, cap=cap, queue_name=queue_name, acks_key=acks
                )
                if got:
                    self._full[(pool.value, org_id)] = time.monotonic()
                parked |= got
        except redis.RedisError as exc:
            log.warning("parking %s's fetched messages failed: %s", queue_name, exc)
            broker.ack_book(queue_name).suspect = True
            return [d for d, rid in zip(fetched, rids, strict=True) if rid is None]
        return [d for d, rid in zip(fetched, rids, strict=True) if rid is None or rid not in parked]

    def _defer(
        self, broker: Broker, message: MessageProxy, pool: Pool, org_id: int, deferrals: int
    ) -> None:
        assert self.settings is not None
        cfg = self.settings.worker
        delay = min(cfg.org_defer_ms * 2 ** (deferrals - 1), cfg.org_defer_max_ms)
        delay = int(delay * random.uniform(0.75, 1.25))  # nosec B311 - spreads retries only
        copy = message.copy(options={**message.options, DEFERRALS_OPTION: deferrals})
        broker.enqueue(copy, delay=delay)
        self.slots(broker).deferred(pool.value, org_id)
        message.options[DEFERRED_OPTION] = True
        log.debug("org %s at its %s cap: %s deferred %d ms", org_id, pool, message, delay)
        raise SkipMessage()

    def _release(self, broker: Broker, message: MessageProxy) -> None:
        held = getattr(self._local, "held", None)
        if held is not None and held[2] == message.message_id:
            self._local.held = None
            assert self._slots is not None and self.settings is not None
            pool, org_id, member = held
            if isinstance(broker, WakingRedisBroker):
                # The slot goes back and, in the same script, the org's next parked message
                # moves to the head of its queue; a message that will be acked (every other
                # middleware's after hook has run: ``failed`` is final) is acked there too.
                cap = cap_of(self.settings, Pool(pool))
                if message.failed:
                    self._slots.release(pool, org_id, member, cap=cap)
                    return
                ns, queue = broker.namespace, message.queue_name
                acks = ack_set_key(ns, broker.broker_id, queue)
                rid = message.options["redis_message_id"]
                ack = (acks, f"{ns}:{queue}.msgs", rid)
                self._slots.release(pool, org_id, member, cap=cap, ack=ack)
                message.options[ACKED_OPTION] = True
            else:
                self._slots.release(pool, org_id, member)

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result: Any = None, exception: Any = None
    ) -> None:
        self._release(broker, message)

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self._release(broker, message)
