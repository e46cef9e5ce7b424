"""Cache jobs: warming as a plain function and as actors, invalidation, late warms dropped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.cache import warm
from core.cache.service import Cache
from core.cache.warm import Warmer, warm_org
from core.queueing.broker import build_middleware, configure
from core.queueing.outbox import stage
from core.settings import Settings
from jobs import cache as cache_jobs
from jobs import runtime
from jobs.schedules import SCHEDULES
from models import Contact, Job
from models.db import session_scope
from tests.conftest import auth
from tests.support.client import JsonClient, client_for
from tests.support.factories import Tenant, stage_id
from tests.web.conftest import build_app, dispose
from tests.web.helpers import create_all

# Count every lookup's hits (production samples them), so the hottest keys are exact here.
COUNT_ALL = {"timeout_ms": 2000.0, "hit_sample": 1.0}


@pytest.fixture
def cache(settings: Settings) -> Iterator[Cache]:
    c = Cache.from_url(
        settings.cache.url, settings.cache.model_copy(update=COUNT_ALL), environment="test"
    )
    yield c
    c.close()


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[JsonClient]:
    app = build_app(settings.replace(cache=COUNT_ALL))
    yield client_for(app)
    dispose(app)


@pytest.fixture
def stub(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[StubBroker]:
    broker = StubBroker(middleware=build_middleware(settings))
    configure(settings, broker)
    runtime.init(settings, sessions)
    yield broker
    broker.close()


def _run(
    broker: StubBroker,
    sessions: sessionmaker[Session],
    job_ids: list[Any],
    *,
    fail_fast: bool = True,
) -> None:
    with sessions() as s:
        for job_id in job_ids:
            job = s.get(Job, job_id)
            assert job is not None
            broker.enqueue(dramatiq.Message(**job.message))
    worker = Worker(broker, worker_timeout=50)
    worker.start()
    try:
        for queue in ("bulk", "default"):
            broker.join(queue, fail_fast=fail_fast)
        worker.join()
    finally:
        worker.stop()


def test_warming_recomputes_the_hottest_answers_exactly(
    client: JsonClient, cache: Cache, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    rows = create_all(client, tenant.member)
    urls = [f"/api/v1/{name}/{row['id']}" for name, row in rows.items()]
    urls += ["/api/v1/analytics/dashboard", "/api/v1/contacts?limit=3"]
    bodies = {u: client.get(u, headers=auth(tenant.member)).get_data() for u in urls}
    assert cache.invalidate_pattern(tenant.org_id, "*") == len(urls)
    with session_scope(sessions) as s:
        done = warm_org(cache, s, tenant.org_id, top=50)
    # Five details and the dashboard warmed; the list waits for its next request.
    assert done == {"org_id": tenant.org_id, "warmed": 6, "dropped": 0, "skipped": 1}
    for url in urls:
        resp = client.get(url, headers=auth(tenant.member))
        assert resp.get_data() == bodies[url], url
        assert resp.headers["X-Cache"] == ("MISS" if "?" in url else "HIT"), url


def test_a_stale_warm_racing_an_invalidation_does_not_win(
    client: JsonClient,
    cache: Cache,
    tenant: Tenant,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contact = create_all(client, tenant.member)["contacts"]
    url = f"/api/v1/contacts/{contact['id']}"
    client.get(url, headers=auth(tenant.member))
    real = warm.WARMERS["contacts.detail"]

    def compute_then_lose_the_race(session: Session, org_id: int, params: dict[str, Any]) -> Any:
        old = real.compute(session, org_id, params)  # the warm has read the old row...
        renamed = client.patch(url, json={"first_name": "Grace"}, headers=auth(tenant.member))
        assert renamed.status_code == 200  # ...and a write commits before it stores
        return old

    monkeypatch.setitem(
        warm.WARMERS, "contacts.detail", Warmer(real.tags, compute_then_lose_the_race)
    )
    with session_scope(sessions) as s:
        done = warm_org(cache, s, tenant.org_id, top=50)
    assert done["dropped"] == 1
    assert client.get(url, headers=auth(tenant.member)).json["first_name"] == "Grace"


def test_hit_counts_follow_demand_and_stay_bounded(cache: Cache, tenant: Tenant) -> None:
    keys = [cache.key(tenant.org_id, "contacts.detail", {"item_id": i}) for i in range(1500)]
    cache.lookup(keys)
    cache.lookup(keys[:1] * 3)
    hits = cache.keys.hits(tenant.org_id)
    assert cache.client.zscore(hits, keys[0].member) == 4
    warm._decay(cache.client, hits)
    assert cache.client.zcard(hits) == warm.KEEP_COUNTED
    assert cache.client.zscore(hits, keys[0].member) == 2


def test_the_actors(
    stub: StubBroker, cache: Cache, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    org = tenant.org_id
    with session_scope(sessions) as s:
        s.add(Contact(org_id=org, first_name="Ada"))
    listing = cache.key(org, "contacts.list", {"limit": 5})
    detail = cache.key(org, "contacts.detail", {"item_id": 1})
    cache.set_many([(listing, "list", ["list:contacts"]), (detail, "detail", ["contacts:1"])])
    with session_scope(sessions) as s:
        by_tag = stage_id(
            s,
            cache_jobs.invalidate,
            job_type="cache.invalidate",
            org_id=org,
            args=(org, ["list:contacts"], None),
        )
        by_pattern = stage_id(
            s,
            cache_jobs.invalidate,
            job_type="cache.invalidate",
            org_id=org,
            args=(org, [], "contacts.detail:*"),
        )
    _run(stub, sessions, [by_tag, by_pattern])
    assert cache.get_many([listing, detail]) == [None, None]
    with sessions() as s:
        jobs = {j.id: j for j in s.scalars(select(Job))}
    assert jobs[by_tag].result == {"org_id": org, "tags": 1, "deleted": 0}
    assert jobs[by_pattern].result == {"org_id": org, "tags": 0, "deleted": 1}
    warms = [j for j in jobs.values() if j.type == "cache.warm"]
    assert len(warms) == 1  # a bulk invalidation re-warms the org
    _run(stub, sessions, [warms[0].id])
    with sessions() as s:
        warmed = s.get(Job, warms[0].id)
        assert warmed is not None and warmed.status == "succeeded" and warmed.result
        assert warmed.result["warmed"] == 2  # the dashboard and the detail asked for
    assert cache.get(cache.key(org, "dashboard")) is not None


def test_a_late_warm_is_dropped_not_run(
    stub: StubBroker, cache: Cache, tenant: Tenant, sessions: sessionmaker[Session]
) -> None:
    assert any(s.actor is cache_jobs.warm and s.per_org for s in SCHEDULES)
    max_age = cache_jobs.warm.options["max_age"]
    with session_scope(sessions) as s:
        job_id = stage(s, cache_jobs.warm, job_type="cache.warm", org_id=tenant.org_id)
    with session_scope(sessions) as s:
        job = s.get(Job, job_id)
        assert job is not None
        late = int(time.time() * 1000) - max_age - 60_000
        job.message = {**job.message, "args": [tenant.org_id], "message_timestamp": late}
    _run(stub, sessions, [job_id], fail_fast=False)
    with sessions() as s:
        done = s.get(Job, job_id)
        assert done is not None and done.status == "dead" and done.result is None
    assert cache.get(cache.key(tenant.org_id, "dashboard")) is None
