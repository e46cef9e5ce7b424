"""Per-org fairness: slots leased in Redis per (pool, org); the excess is deferred, not dropped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from flask.testing import FlaskClient
from sqlalchemy import Engine

import tests.support.actors  # noqa: F401 - declares the test actors
import worker.entry  # noqa: F401 - declares every actor
from core.queueing.broker import configure
from core.queueing.fairness import OrgSlots
from core.queueing.status_feed import ORG_OPTION
from core.settings import Settings
from jobs import runtime
from tests.conftest import auth
from tests.support.actors import blocker, effect
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
    # The other two are deferred (waiting), and org B's job runs meanwhile.
    wait_for(lambda: [r["waiting"] for r in slots.snapshot("worker", cap=1)] == [2])
    capped.enqueue(effect.message_with_options(args=("b",), **{ORG_OPTION: ORG_B}))
    wait_for(lambda: cache.get("b:effect") == b"1")
    assert cache.get("a:started") == b"1" and cache.get("a:effect") is None
    [row] = [r for r in slots.snapshot("worker", cap=1) if r["org_id"] == ORG_A]
    assert row["in_flight"] == 1 and row["deferrals"] >= 2
    cache.set("a:release", 1)
    # Nothing dropped: every deferred job of org A runs once its turn comes.
    wait_for(lambda: cache.get("a:effect") == b"3", timeout=30)
    assert cache.get("a:started") == b"3"
    cache.close()


def test_ops_api_shows_orgs_in_flight_and_waiting(
    client: FlaskClient, tenant: Tenant, broker_redis: redis.Redis, settings: Settings
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
