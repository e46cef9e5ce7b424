"""Admission of new jobs: a clear answer is reused for a second, only far under the limits.

Real broker Redis and PostgreSQL; the clock is the test's, so the reuse window is exact.
"""

from __future__ import annotations

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from core.ops import admission
from core.ops.admission import REUSE_S, Admission
from core.queueing.outbox import stage
from core.settings import Settings
from jobs import cache
from models.db import session_scope
from tests.support.factories import Tenant


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fill(client: redis.Redis, settings: Settings, n: int) -> None:
    client.rpush(f"{settings.broker.namespace}:default", *[f"m{i}" for i in range(n)])


def _stage(sessions: sessionmaker[Session], org_id: int, n: int) -> None:
    with session_scope(sessions) as s:
        for _ in range(n):
            stage(s, cache.invalidate, job_type="cache.invalidate", org_id=org_id,
                  args=(org_id, ["contacts"], None))  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_broker_answer_far_under_the_limit_stands_for_a_second(
    settings: Settings, broker_redis: redis.Redis, sessions: sessionmaker[Session], clock: Clock
) -> None:
    adm = Admission(settings.replace(broker={"queue_max_depth": 10}), clock)
    with sessions() as s:
        assert adm.check(broker_redis, s, 1) is None
        _fill(broker_redis, settings, 10)  # at the limit now
        clock.now += REUSE_S - 0.01
        assert adm.check(broker_redis, s, 1) is None  # the reused answer
        clock.now += 0.01
        over = adm.check(broker_redis, s, 1)
    assert over is not None and over.status == 503 and "limit 10" in over.message


def test_a_broker_answer_past_half_the_limit_is_asked_again_at_once(
    settings: Settings, broker_redis: redis.Redis, sessions: sessionmaker[Session], clock: Clock
) -> None:
    adm = Admission(settings.replace(broker={"queue_max_depth": 10}), clock)
    _fill(broker_redis, settings, 6)
    with sessions() as s:
        assert adm.check(broker_redis, s, 1) is None
        _fill(broker_redis, settings, 4)
        over = adm.check(broker_redis, s, 1)
    assert over is not None and over.status == 503


def test_an_orgs_answer_is_reused_only_while_far_under_its_cap(
    settings: Settings, broker_redis: redis.Redis, sessions: sessionmaker[Session],
    tenant: Tenant, clock: Clock,
) -> None:  # fmt: skip
    adm = Admission(settings.replace(broker={"org_max_active_jobs": 4}), clock)
    with sessions() as s:
        assert adm.check(broker_redis, s, tenant.org_id) is None  # read: 0, admitted 1
        _stage(sessions, tenant.org_id, 4)  # another process fills the org up
        # 1 + 1 admitted here is still at most half the cap: the answer is reused.
        assert adm.check(broker_redis, s, tenant.org_id) is None
        # 3 would pass half the cap: PostgreSQL is asked, and the org is at its cap.
        over = adm.check(broker_redis, s, tenant.org_id)
    assert over is not None and over.status == 429 and "4 unfinished jobs" in over.message


def test_an_orgs_answer_is_asked_again_after_a_second(
    settings: Settings, broker_redis: redis.Redis, sessions: sessionmaker[Session],
    tenant: Tenant, clock: Clock,
) -> None:  # fmt: skip
    adm = Admission(settings.replace(broker={"org_max_active_jobs": 100}), clock)
    with sessions() as s:
        assert adm.check(broker_redis, s, tenant.org_id) is None
        _stage(sessions, tenant.org_id, 100)
        clock.now += REUSE_S - 0.01
        assert adm.check(broker_redis, s, tenant.org_id) is None
        clock.now += 0.01
        over = adm.check(broker_redis, s, tenant.org_id)
    assert over is not None and over.status == 429


def test_orgs_are_kept_apart_and_a_fresh_check_forgets_what_was_kept(
    settings: Settings, broker_redis: redis.Redis, sessions: sessionmaker[Session],
    tenant: Tenant, other_tenant: Tenant, clock: Clock,
) -> None:  # fmt: skip
    adm = Admission(settings.replace(broker={"org_max_active_jobs": 4}), clock)
    with sessions() as s:
        assert adm.check(broker_redis, s, tenant.org_id) is None
        assert adm.check(broker_redis, s, other_tenant.org_id) is None
        _stage(sessions, tenant.org_id, 4)
        over = adm.check(broker_redis, s, tenant.org_id, fresh=True)
        assert over is not None and over.status == 429
        # The other org's reused answer is its own.
        assert adm.check(broker_redis, s, other_tenant.org_id) is None
        # The fresh check dropped what was kept: the next one asks again.
        assert adm.check(broker_redis, s, tenant.org_id) is not None


def test_a_full_memory_of_fresh_orgs_starts_over(
    settings: Settings, broker_redis: redis.Redis, sessions: sessionmaker[Session],
    tenant: Tenant, clock: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(admission, "MAX_ORGS", 2)
    adm = Admission(settings.replace(broker={"org_max_active_jobs": 4}), clock)
    with sessions() as s:
        assert adm.check(broker_redis, s, tenant.org_id) is None
        _stage(sessions, tenant.org_id, 4)
        assert adm.check(broker_redis, s, 999_001) is None
        assert adm.check(broker_redis, s, 999_002) is None  # two fresh kept: forgets all
        # Without that, the tenant's answer (1 + 1 <= 2) would have been reused.
        assert adm.check(broker_redis, s, tenant.org_id) is not None


def test_a_broker_that_is_down_counts_as_clear(
    settings: Settings, sessions: sessionmaker[Session], tenant: Tenant, clock: Clock
) -> None:
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    adm = Admission(settings.replace(broker={"org_max_active_jobs": 4}), clock)
    _stage(sessions, tenant.org_id, 4)
    with sessions() as s:
        over = adm.check(down, s, tenant.org_id)  # the org's check still runs
    assert over is not None and over.status == 429
