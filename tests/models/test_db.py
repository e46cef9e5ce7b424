"""Row-level security, the second wall: an org's session sees and writes only its rows."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from models import Base, Company, Job, Notification, WebhookEndpoint
from models.db import scope_to_org, session_scope
from tests.conftest import auth
from tests.support.factories import Tenant
from web.ext import db

# Tables with an org_id the wall covers, and those it leaves to the org filter alone.
WALLED = {
    "companies",
    "contacts",
    "deals",
    "leads",
    "activities",
    "jobs",
    "notifications",
    "webhook_endpoints",
}
NOT_WALLED = {
    "users": "authentication reads it before the org is known",
    "audit_log": "written for the platform as well as for orgs",
    "idempotency_keys": "keyed by (org, API key) already; read before the view",
    "analytics_snapshots": "written by rollups for every org at once",
    "search_documents": "search reads go through org-keyed functions (not in issue 13's scope)",
    "search_terms": "as search_documents",
    "search_query_stats": "as search_documents",
    "search_latency": "as search_documents",
    "imports": "bulk jobs' own records (issue 18), read through owned(); not in issue 13's list",
    "exports": "as imports; their files are served only through org-scoped signed links",
}


@pytest.fixture
def rows(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> dict[int, dict[str, int]]:
    """A company, a job, a notification and a webhook endpoint in each org."""
    out: dict[int, dict[str, int]] = {}
    with session_scope(sessions) as s:
        for t in (tenant, other_tenant):
            company = Company(org_id=t.org_id, name=f"C{t.org_id}")
            job = Job(
                id=uuid.uuid4(), org_id=t.org_id, type="analytics.rollup", actor="x",
                queue="default", message={},
            )  # fmt: skip
            note = Notification(
                org_id=t.org_id, user_id=t.member_id, event_key="e", category="c",
                urgency="low", title="t",
            )  # fmt: skip
            hook = WebhookEndpoint(org_id=t.org_id, url="http://x/", events=["*"], secret="s")
            s.add_all([company, job, note, hook])
            s.flush()
            out[t.org_id] = {"company": company.id, "notification": note.id, "hook": hook.id}
    return out


def test_a_query_missing_its_org_filter_returns_nothing_of_another_org(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant, rows: object
) -> None:
    with sessions() as s:
        scope_to_org(s, tenant.org_id)
        for model in (Company, Job, Notification, WebhookEndpoint):
            orgs = set(s.scalars(select(model.org_id)))  # no WHERE at all
            assert orgs == {tenant.org_id}, model.__tablename__
        # Raw SQL too: the wall is in PostgreSQL, not in the ORM.
        assert s.scalar(text("SELECT count(*) FROM companies")) == 1
    with sessions() as s:  # a platform session sees every org
        assert s.scalar(select(func.count()).select_from(Company)) == 2


def test_another_orgs_rows_cannot_be_changed_or_created(
    sessions: sessionmaker[Session],
    tenant: Tenant,
    other_tenant: Tenant,
    rows: dict[int, dict[str, int]],
) -> None:
    theirs = rows[other_tenant.org_id]["company"]
    with session_scope(sessions) as s:
        scope_to_org(s, tenant.org_id)
        updated = s.execute(update(Company).values(name="x"))
        assert isinstance(updated, CursorResult) and updated.rowcount == 1  # its own only
        deleted = s.execute(delete(Company).where(Company.id == theirs))
        assert isinstance(deleted, CursorResult) and deleted.rowcount == 0
    with sessions() as s:
        assert s.get_one(Company, theirs).name == f"C{other_tenant.org_id}"
        scope_to_org(s, tenant.org_id)
        s.add(Company(org_id=other_tenant.org_id, name="planted"))
        with pytest.raises(ProgrammingError, match="row-level security"):
            s.flush()


def test_the_scope_lasts_per_transaction_and_leaves_the_pool_clean(
    engine: Engine, sessions: sessionmaker[Session], tenant: Tenant, rows: object
) -> None:
    with sessions() as s:
        scope_to_org(s, tenant.org_id)
        assert s.scalar(text("SELECT current_user")) == "saleshub_org"
        s.commit()
        # The next transaction of the same session is scoped again.
        assert s.scalar(text("SELECT current_setting('app.org_id')")) == str(tenant.org_id)
        assert s.scalar(text("SELECT count(*) FROM companies")) == 1
    with engine.connect() as conn:  # back in the pool: neither the role nor the org remain
        assert conn.scalar(text("SELECT current_user")) != "saleshub_org"
        assert conn.scalar(text("SELECT current_setting('app.org_id', true)")) in (None, "")


def test_a_request_is_walled_to_its_org_and_an_operators_is_not(
    app: Flask, tenant: Tenant, other_tenant: Tenant, rows: object
) -> None:
    for role, expected in (("member", 1), ("admin", 1), ("operator", 2)):
        with app.test_request_context("/api/v1/companies", headers=auth(getattr(tenant, role))):
            assert app.preprocess_request() is None
            assert db().scalar(select(func.count()).select_from(Company)) == expected, role


def test_every_org_table_is_walled_or_says_why_not(engine: Engine) -> None:
    with_org = {t.name for t in Base.metadata.sorted_tables if "org_id" in t.c}
    assert with_org == WALLED | set(NOT_WALLED), "a new table with org_id: wall it or say why"
    with engine.connect() as conn:
        secured = set(
            conn.scalars(
                text("SELECT relname FROM pg_class WHERE relrowsecurity AND relkind = 'r'")
            )
        )
        policies = set(conn.scalars(text("SELECT tablename FROM pg_policies")))
    assert secured == WALLED and policies == WALLED
