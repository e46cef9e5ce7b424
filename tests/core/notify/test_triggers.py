"""Mentions find the org's users by email as the unique index compares them: case ignored."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.notify.triggers import mention_events
from models import Organization, User
from models.db import session_scope


def test_a_mention_finds_a_user_of_the_org_whatever_the_case(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with session_scope(sessions) as s:
        orgs = [Organization(name=n) for n in ("A", "B")]
        s.add_all(orgs)
        s.flush()
        # Stored before emails were lower-cased on input; and the same address in org B.
        users = [
            User(org_id=orgs[0].id, email="Mixed.Case@A.test"),
            User(org_id=orgs[1].id, email="mixed.case@a.test"),
        ]
        s.add_all(users)
        s.flush()
        ids = [u.id for u in users]
        activity = SimpleNamespace(
            id=7, org_id=orgs[0].id, subject="S", updated_at=datetime.now(UTC)
        )
        body = "ask @MIXED.case@a.test and @nobody@a.test"
        events = mention_events(s, activity, {"body": (None, body)})
    assert [(e.category, e.org_id, e.users) for e in events] == [
        ("mention", activity.org_id, (ids[0],))
    ]
