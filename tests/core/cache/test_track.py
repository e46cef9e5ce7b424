"""Committed writes bump their tags; rolled-back ones do not; jobs' writes count too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from core import rollups
from core.cache.keys import CacheKey, write_tags
from core.cache.service import Cache
from core.cache.track import track_writes
from core.settings import CacheSettings, Settings
from models import Company, Contact, Deal
from models.db import make_sessionmaker, session_scope
from tests.support.factories import Tenant


@pytest.fixture
def cache(settings: Settings) -> Iterator[Cache]:
    c = Cache.from_url(settings.cache.url, CacheSettings(timeout_ms=2000), environment="test")
    yield c
    c.close()


@pytest.fixture
def tracked(engine: Engine, cache: Cache) -> sessionmaker[Session]:
    factory = make_sessionmaker(engine)
    track_writes(factory, cache)
    return factory


def _cache_all(cache: Cache, org_id: int, tags: dict[str, list[str]]) -> dict[str, CacheKey]:
    keys = {name: cache.key(org_id, f"test.{name}") for name in tags}
    cache.set_many([(keys[name], name, tags[name]) for name in tags])
    return keys


def _alive(cache: Cache, keys: dict[str, CacheKey]) -> set[str]:
    names = list(keys)
    values = cache.get_many([keys[n] for n in names])
    return {n for n, v in zip(names, values, strict=True) if v is not None}


def test_commits_bump_and_rollbacks_do_not(
    tracked: sessionmaker[Session], cache: Cache, tenant: Tenant
) -> None:
    org = tenant.org_id
    with session_scope(tracked) as s:
        contact = Contact(org_id=org, first_name="Ada")
        s.add(contact)
    keys = _cache_all(
        cache,
        org,
        {
            "detail": [f"contacts:{contact.id}", "rows:contacts"],
            "other": ["contacts:999999", "rows:contacts"],
            "list": ["list:contacts"],
            "deals": ["list:deals"],
            "dashboard": ["dashboard"],
        },
    )
    with tracked() as s:
        row = s.get(Contact, contact.id)
        assert row is not None
        row.first_name = "Grace"
        s.flush()
        s.rollback()
    assert _alive(cache, keys) == set(keys)
    with session_scope(tracked) as s:
        row = s.get(Contact, contact.id)
        assert row is not None
        row.first_name = "Grace"
    assert _alive(cache, keys) == {"other", "deals", "dashboard"}


def test_a_deal_write_bumps_the_dashboard_and_a_delete_bumps_rows_linking_to_it(
    tracked: sessionmaker[Session], cache: Cache, tenant: Tenant
) -> None:
    org = tenant.org_id
    with session_scope(tracked) as s:
        company = Company(org_id=org, name="Acme")
        s.add(company)
        s.flush()
        contact = Contact(org_id=org, first_name="Ada", company_id=company.id)
        s.add(contact)
    keys = _cache_all(
        cache,
        org,
        {
            "contact": [f"contacts:{contact.id}", "rows:contacts"],
            "contacts": ["list:contacts"],
            "dashboard": ["dashboard"],
        },
    )
    with session_scope(tracked) as s:
        s.add(Deal(org_id=org, title="Big", stage="won"))
    assert _alive(cache, keys) == {"contact", "contacts"}
    with session_scope(tracked) as s:
        s.delete(s.get(Company, company.id))
    # The database nulled the contact's company_id: its detail and lists changed too.
    assert _alive(cache, keys) == set()


def test_the_rollup_job_write_bumps_the_dashboard(
    tracked: sessionmaker[Session], cache: Cache, tenant: Tenant
) -> None:
    keys = _cache_all(
        cache, tenant.org_id, {"dashboard": ["dashboard"], "contacts": ["list:contacts"]}
    )
    with session_scope(tracked) as s:
        rollups.rollup_org(s, tenant.org_id)
    assert _alive(cache, keys) == {"contacts"}


def test_bulk_statements_bump_the_orgs_they_name(
    tracked: sessionmaker[Session], cache: Cache, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = _cache_all(cache, tenant.org_id, {"deals": ["list:deals"], "rows": ["rows:deals"]})
    theirs = _cache_all(cache, other_tenant.org_id, {"deals": ["list:deals"]})
    with session_scope(tracked) as s:
        s.execute(update(Deal).where(Deal.org_id == tenant.org_id).values(stage="lost"))
    assert _alive(cache, mine) == set() and _alive(cache, theirs) == {"deals"}
    with session_scope(tracked) as s:  # names no org: nothing to scope a bump to
        s.execute(update(Deal).where(Deal.id == 0).values(stage="lost"))
    assert _alive(cache, theirs) == {"deals"}


def test_write_tags_follow_the_schema() -> None:
    assert write_tags("contacts", 7) == {"contacts:7", "list:contacts"}
    assert write_tags("deals", 3) == {"deals:3", "list:deals", "dashboard"}
    deleted = write_tags("companies", 5, deleted=True)
    assert {"rows:contacts", "list:contacts", "rows:deals", "list:deals", "dashboard"} <= deleted
    assert write_tags("analytics_snapshots", None) >= {"dashboard"}
