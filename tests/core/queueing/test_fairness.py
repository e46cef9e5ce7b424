"""Per-org fairness: slots leased in Redis per (pool, org); the excess is parked (or, off
the Redis broker, deferred), never dropped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from dramatiq import Broker, Middleware, Worker
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine

import tests.support.actors  # noqa: F401 - declares the test actors
import worker.entry  # noqa: F401 - declares every actor
from core.queueing import fairness
from core.queueing.broker import configure
from core.queueing.consumer import WakingRedisBroker
from core.queueing.fairness import OrgFairness
from core.queueing.org_slots import OrgSlots
from core.queueing.status_feed import ORG_OPTION
from core.settings import Settings
from jobs import runtime
from tests.conftest import auth
from tests.support.actors import blocker, effect
from tests.support.client import JsonClient
from tests.support.consuming import take, waking
from tests.support.factories import Tenant
from tests.support.stack import wait_for

ORG_A, ORG_B = 101, 202


def test_slots_are_capped_per_org_and_pool(broker_redis: redis.Redis) -> None:
    slots = OrgSlots(broker_redis, "t")
    assert slots.acquire("worker", ORG_A, "m1", cap=2, lease_ms=60_000)
    assert slots.acquire("worker", ORG_A, "m1", cap=2, lease_ms=60_000)  # held: renewed
    assert slots.acquire("worker", ORG_A, "m2", cap=2, lease_ms=60_000)
    assert not slots.acquire("worker", ORG_A, "m3", cap=2, lease_ms=60_000)
    assert slots.acquire("worker", ORG_B, "m4", cap=2, lease_ms=60_000)  # another org
    assert slots.acquire("delivery", ORG_A, "m5", cap=2, lease_ms=60_000)  # another pool
    slots.release("worker", ORG_A, "m1")
    assert slots.acquire("worker", ORG_A, "m3", cap=2, lease_ms=60_000)
    snap = {row["org_id"]: row for row in slots.snapshot("worker", cap=2)}
    assert snap[ORG_A]["in_flight"] == 2 and snap[ORG_B]["in_flight"] == 1


def _fetched(client: redis.Redis, rid: str, acks: str) -> None:
    """What Dramatiq's fetch leaves for a message a worker holds: body, ack set entry."""
    client.hset("t:default.msgs", rid, b"body-" + rid.encode())
    client.sadd(acks, rid)


def test_a_message_over_the_cap_is_parked_with_its_body_kept(broker_redis: redis.Redis) -> None:
    slots = OrgSlots(broker_redis, "t")
    acks = "t:__acks__.w1.default"
    park: dict[str, Any] = {"cap": 1, "lease_ms": 60_000, "queue_name": "default", "acks_key": acks}
    _fetched(broker_redis, "r1", acks)
    _fetched(broker_redis, "r2", acks)
    assert slots.acquire_or_park("worker", ORG_A, "m1", redis_id="r1", **park)
    assert not slots.acquire_or_park("worker", ORG_A, "m2", redis_id="r2", **park)
    # Out of the worker's ack set, into the org's parking list; the body stays where the
    # relay's lost-message check and a later fetch look for it.
    assert broker_redis.smembers(acks) == {b"r1"}
    assert broker_redis.lrange(f"t:fair:parked:worker:{ORG_A}", 0, -1) == [b"default|r2|m2"]
    assert broker_redis.hget("t:default.msgs", "r2") == b"body-r2"
    assert broker_redis.llen("t:default") == 0
    [row] = slots.snapshot("worker", cap=1)
    assert row == {"org_id": ORG_A, "in_flight": 1, "cap": 1, "waiting": 1, "deferrals": 1}
    # Another org is not held back.
    _fetched(broker_redis, "r3", acks)
    assert slots.acquire_or_park("worker", ORG_B, "m3", redis_id="r3", **park)


def test_giving_a_slot_back_moves_the_next_parked_message_to_the_head_of_its_queue(
    broker_redis: redis.Redis,
) -> None:
    slots = OrgSlots(broker_redis, "t")
    acks = "t:__acks__.w1.default"
    park: dict[str, Any] = {"cap": 1, "lease_ms": 60_000, "queue_name": "default", "acks_key": acks}
    for n in (1, 2, 3):
        _fetched(broker_redis, f"r{n}", acks)
    assert slots.acquire_or_park("worker", ORG_A, "m1", redis_id="r1", **park)
    assert not slots.acquire_or_park("worker", ORG_A, "m2", redis_id="r2", **park)
    assert not slots.acquire_or_park("worker", ORG_A, "m3", redis_id="r3", **park)
    broker_redis.rpush("t:default", "other")
    assert slots.release("worker", ORG_A, "m1", cap=1) == 1
    # One slot freed, one message back, first in line; the other stays parked.
    assert broker_redis.lrange("t:default", 0, -1) == [b"r2", b"other"]
    assert broker_redis.lrange(f"t:fair:parked:worker:{ORG_A}", 0, -1) == [b"default|r3|m3"]
    # The freed slot is kept for it: another message of the org fetched meanwhile is
    # parked, nothing more is released, and the moved message takes its slot when it runs.
    _fetched(broker_redis, "r4", acks)
    assert not slots.acquire_or_park("worker", ORG_A, "m4", redis_id="r4", **park)
    assert slots.release("worker", ORG_A, "", cap=1) == 0
    broker_redis.lpop("t:default")
    broker_redis.sadd(acks, "r2")  # fetched
    assert slots.acquire_or_park("worker", ORG_A, "m2", redis_id="r2", **park)


def _org_a_running_m1(client: redis.Redis) -> tuple[OrgSlots, str, dict[str, Any]]:
    """Org A at its cap of 1, its message m1 (r1) running: (slots, ack set, park options)."""
    slots = OrgSlots(client, "t")
    acks = "t:__acks__.w1.default"
    park: dict[str, Any] = {"cap": 1, "lease_ms": 60_000, "queue_name": "default", "acks_key": acks}
    _fetched(client, "r1", acks)
    assert slots.acquire_or_park("worker", ORG_A, "m1", redis_id="r1", **park)
    return slots, acks, park


def test_a_parked_message_a_reconcile_already_requeued_is_not_parked_twice(
    broker_redis: redis.Redis,
) -> None:
    slots, _acks, park = _org_a_running_m1(broker_redis)
    broker_redis.hset("t:default.msgs", "r2", b"body")  # requeued: in the queue, no ack entry
    broker_redis.rpush("t:default", "r2")
    assert not slots.acquire_or_park("worker", ORG_A, "m2", redis_id="r2", **park)
    assert broker_redis.llen(f"t:fair:parked:worker:{ORG_A}") == 0
    assert broker_redis.lrange("t:default", 0, -1) == [b"r2"]


def test_a_fetched_batch_of_a_full_org_is_parked_in_one_script(broker_redis: redis.Redis) -> None:
    slots = OrgSlots(broker_redis, "t")
    acks = "t:__acks__.w1.default"
    for n in range(1, 6):
        _fetched(broker_redis, f"r{n}", acks)
    assert slots.acquire("worker", ORG_A, "m1", cap=2, lease_ms=60_000)
    # m2 was released from parking earlier: a slot is reserved for it, so the org is full.
    broker_redis.zadd(f"t:fair:slots:worker:{ORG_A}", {"m2": 2**50})
    broker_redis.hset("t:default.msgs", "r6", b"body")  # requeued by a reconcile: no ack entry
    fetched = [("m2", "r2"), ("m3", "r3"), ("m6", "r6"), ("m4", "r4")]
    park: dict[str, Any] = {"cap": 2, "queue_name": "default", "acks_key": acks}
    assert slots.park_fetched("worker", ORG_A, fetched, **park) == {"r3", "r4"}
    # Parked as one at a time would be (the queue's order kept), bodies in place; the
    # reserved message goes on to run, the requeued one is not parked twice.
    assert broker_redis.lrange(f"t:fair:parked:worker:{ORG_A}", 0, -1) == [
        b"default|r3|m3",
        b"default|r4|m4",
    ]
    assert broker_redis.smembers(acks) == {b"r1", b"r2", b"r5"}
    assert broker_redis.hlen("t:default.msgs") == 6
    [row] = slots.snapshot("worker", cap=2)
    assert row["waiting"] == 2 and row["deferrals"] == 2
    # A free slot lets as many through as it has free (their acquire decides).
    slots.release("worker", ORG_A, "m1")
    assert slots.park_fetched("worker", ORG_A, [("m5", "r5")], **park) == set()
    assert broker_redis.sismember(acks, "r5")


def test_giving_a_slot_back_acks_the_finished_message_in_the_same_script(
    broker_redis: redis.Redis,
) -> None:
    slots, acks, park = _org_a_running_m1(broker_redis)
    _fetched(broker_redis, "r2", acks)
    assert not slots.acquire_or_park("worker", ORG_A, "m2", redis_id="r2", **park)
    ack = (acks, "t:default.msgs", "r1")
    assert slots.release("worker", ORG_A, "m1", cap=1, ack=ack) == 1
    # Acked as Dramatiq acks (ack set entry and body gone), the parked one back in line.
    assert not broker_redis.hexists("t:default.msgs", "r1")
    assert broker_redis.smembers(acks) == set()
    assert broker_redis.lrange("t:default", 0, -1) == [b"r2"]
    assert broker_redis.hget("t:default.msgs", "r2") == b"body-r2"
    # An id no longer in the ack set (requeued meanwhile) keeps its body.
    broker_redis.hset("t:default.msgs", "r3", b"body-r3")
    assert slots.release("worker", ORG_A, "m9", cap=1, ack=(acks, "t:default.msgs", "r3")) == 0
    assert broker_redis.hget("t:default.msgs", "r3") == b"body-r3"


def test_a_sweep_releases_parked_messages_once_a_dead_workers_lease_ends(
    broker_redis: redis.Redis,
) -> None:
    slots = OrgSlots(broker_redis, "t")
    acks = "t:__acks__.w1.default"
    park = {"queue_name": "default", "acks_key": acks}
    _fetched(broker_redis, "r1", acks)
    _fetched(broker_redis, "r2", acks)
    # The slot of a worker that died mid-job: nobody will give it back.
    assert slots.acquire_or_park(
        "worker", ORG_A, "m1", cap=1, lease_ms=60_000, redis_id="r1", **park
    )
    assert not slots.acquire_or_park(
        "worker", ORG_A, "m2", cap=1, lease_ms=60_000, redis_id="r2", **park
    )
    assert slots.sweep("worker", cap=1) == 0  # the lease still runs
    broker_redis.zadd(f"t:fair:slots:worker:{ORG_A}", {"m1": 1})  # ... until it ran out
    assert slots.sweep("worker", cap=1) == 1
    assert slots.sweep("worker", cap=1) == 0
    assert broker_redis.lrange("t:default", 0, -1) == [b"r2"]
    assert broker_redis.llen(f"t:fair:parked:worker:{ORG_A}") == 0


def test_a_dead_workers_slot_is_freed_when_its_lease_ends(broker_redis: redis.Redis) -> None:
    slots = OrgSlots(broker_redis, "t")
    assert slots.acquire("worker", ORG_A, "crashed", cap=1, lease_ms=1)
    wait_for(lambda: slots.acquire("worker", ORG_A, "next", cap=1, lease_ms=60_000), timeout=5)


@pytest.fixture
def capped(settings: Settings, engine: Engine) -> Iterator[RedisBroker]:
    local = settings.replace(worker={"org_max_in_flight": 1, "org_defer_ms": 20})
    broker = configure(local)
    assert isinstance(broker, RedisBroker)
    runtime.init(local)
    worker = Worker(broker, worker_threads=4, worker_timeout=100)
    worker.start()
    yield broker
    worker.stop()


def test_an_org_over_its_cap_waits_while_another_org_runs(
    capped: RedisBroker, settings: Settings, broker_redis: redis.Redis
) -> None:
    cache = redis.Redis.from_url(settings.cache.url)
    slots = OrgSlots(broker_redis, capped.namespace)
    for _ in range(3):
        capped.enqueue(blocker.message_with_options(args=("a",), **{ORG_OPTION: ORG_A}))
    wait_for(lambda: cache.get("a:started") == b"1")
    # The other two are parked (waiting), and org B's job runs meanwhile.
    wait_for(lambda: [r["waiting"] for r in slots.snapshot("worker", cap=1)] == [2])
    ns = capped.namespace
    assert broker_redis.llen(f"{ns}:fair:parked:worker:{ORG_A}") == 2
    assert broker_redis.hlen(f"{ns}:default.msgs") == 3  # every body kept
    assert broker_redis.hlen(f"{ns}:default.DQ.msgs") == 0  # not round the delay queue
    capped.enqueue(effect.message_with_options(args=("b",), **{ORG_OPTION: ORG_B}))
    wait_for(lambda: cache.get("b:effect") == b"1")
    assert cache.get("a:started") == b"1" and cache.get("a:effect") is None
    [row] = [r for r in slots.snapshot("worker", cap=1) if r["org_id"] == ORG_A]
    assert row["in_flight"] == 1 and row["deferrals"] == 2
    cache.set("a:release", 1)
    # Nothing dropped: every parked job of org A runs once its turn comes, and its message
    # is acked then (no body left behind).
    wait_for(lambda: cache.get("a:effect") == b"3", timeout=30)
    assert cache.get("a:started") == b"3"
    wait_for(lambda: broker_redis.hlen(f"{ns}:default.msgs") == 0)
    assert broker_redis.llen(f"{ns}:fair:parked:worker:{ORG_A}") == 0
    cache.close()


class _Seen(Middleware):
    """Records the messages that reached a worker thread (placed before fairness)."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self.ids.append(message.message_id)


def test_messages_of_an_org_seen_full_are_parked_as_fetched(
    capped: RedisBroker,
    settings: Settings,
    broker_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fairness, "PARK_MEMO_S", 600.0)  # a slow box: the memo still holds
    seen = _Seen()
    capped.add_middleware(seen, before=OrgFairness)
    cache = redis.Redis.from_url(settings.cache.url)
    ns = capped.namespace
    parked_key = f"{ns}:fair:parked:worker:{ORG_A}"
    capped.enqueue(blocker.message_with_options(args=("a",), **{ORG_OPTION: ORG_A}))
    wait_for(lambda: cache.get("a:started") == b"1")
    capped.enqueue(effect.message_with_options(args=("a",), **{ORG_OPTION: ORG_A}))
    wait_for(lambda: broker_redis.llen(parked_key) == 1)  # parked by its worker thread
    later = [effect.message_with_options(args=("a",), **{ORG_OPTION: ORG_A}) for _ in range(3)]
    for message in later:
        capped.enqueue(message)
    wait_for(lambda: broker_redis.llen(parked_key) == 4)
    # This process saw the org full: the next ones were parked by the consumer, as
    # fetched, and never took a worker thread.
    assert not {m.message_id for m in later} & set(seen.ids)
    assert broker_redis.hlen(f"{ns}:default.msgs") == 5  # every body kept
    cache.set("a:release", 1)
    wait_for(lambda: cache.get("a:effect") == b"5", timeout=30)
    wait_for(lambda: broker_redis.hlen(f"{ns}:default.msgs") == 0)
    assert [seen.ids.count(m.message_id) for m in later] == [1, 1, 1]  # once: to run
    assert broker_redis.llen(parked_key) == 0
    assert broker_redis.scard(f"{ns}:__acks__.{capped.broker_id}.default") == 0
    cache.close()


def test_a_finished_message_is_acked_with_its_slot_and_a_failed_one_is_not(
    settings: Settings, engine: Engine, broker_redis: redis.Redis
) -> None:
    local = settings.replace(worker={"org_max_in_flight": 1})
    broker = configure(local)
    assert isinstance(broker, WakingRedisBroker)
    [fair] = [m for m in broker.middleware if isinstance(m, OrgFairness)]
    ns = broker.namespace
    consumer = waking(broker.consume("default", prefetch=4, timeout=50))
    try:
        for key in ("ok", "failed"):
            broker.enqueue(effect.message_with_options(args=(key,), **{ORG_OPTION: ORG_A}))
        ok, failed = take(consumer, 2)
        for message in (ok, failed):
            fair.before_process_message(broker, message)
            if message is failed:
                message.fail()
            fair.after_process_message(broker, message)
            if message is ok:  # acked by the script that gave the slot back, before the
                # consumer's own ack, which then sends none
                assert not broker_redis.hexists(
                    f"{ns}:default.msgs", ok.options["redis_message_id"]
                )
                consumer.ack(ok)
                assert ok.options["redis_message_id"] not in consumer._acks.pending()
        # The failed one is the consumer's to nack (to the dead letters): body kept.
        assert broker_redis.hexists(f"{ns}:default.msgs", failed.options["redis_message_id"])
        assert broker_redis.zcard(f"{ns}:fair:slots:worker:{ORG_A}") == 0
    finally:
        consumer.close()


def test_ops_api_shows_orgs_in_flight_and_waiting(
    client: JsonClient, tenant: Tenant, broker_redis: redis.Redis, settings: Settings
) -> None:
    slots = OrgSlots(broker_redis, settings.broker.namespace)
    slots.acquire("worker", tenant.org_id, "m1", cap=8, lease_ms=60_000)
    slots.deferred("worker", tenant.org_id)
    assert client.get("/api/v1/ops/fairness", headers=auth(tenant.admin)).status_code == 403
    body = client.get("/api/v1/ops/fairness", headers=auth(tenant.operator)).json
    worker_pool = body["pools"]["worker"]
    assert worker_pool["cap_per_org"] == settings.worker.org_max_in_flight
    cap = worker_pool["cap_per_org"]
    assert worker_pool["orgs"] == [
        {"org_id": tenant.org_id, "in_flight": 1, "cap": cap, "waiting": 1, "deferrals": 1}
    ]
    assert body["pools"]["delivery"]["orgs"] == []
    assert body["paused_webhook_endpoints"] == []
