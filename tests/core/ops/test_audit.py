"""Audit entries: written in the caller's transaction, gone with it on rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.ops import audit
from models import AuditEntry
from models.db import session_scope
from tests.support.factories import Tenant


def test_an_entry_commits_with_the_callers_transaction(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    with session_scope(sessions) as s:
        audit.record(
            s, "queue.pause", "email", org_id=tenant.org_id, user_id=tenant.member_id, count=2
        )
        audit.record(s, "queue.resume", "email", via="cli")
    with sessions() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(r.action, r.target, r.org_id, r.user_id, r.details) for r in rows] == [
        ("queue.pause", "email", tenant.org_id, tenant.member_id, {"count": 2}),
        ("queue.resume", "email", None, None, {"via": "cli"}),
    ]
    assert all(r.created_at is not None for r in rows)


def test_an_entry_is_rolled_back_with_its_effect(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), session_scope(sessions) as s:
        audit.record(s, "dead_letter.retry", "m1")
        raise RuntimeError("the effect failed")
    with sessions() as s:
        assert s.scalars(select(AuditEntry)).all() == []
