"""Schedule fires are recorded (once per period and trigger) with the outcome of their jobs."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

import tests.support.actors  # noqa: F401
from core.scheduling import FIRES_KEPT, fire, last_fires
from jobs import analytics
from models import Job, ScheduleFire
from models.db import session_scope
from tests.support.factories import Tenant

KW = {"schedule_id": "analytics.rollup", "actor": analytics.rollup, "per_org": True}


def _set_status(sessions: sessionmaker[Session], org_id: int, status: str) -> None:
    with session_scope(sessions) as s:
        s.execute(update(Job).where(Job.org_id == org_id).values(status=status))


def test_fires_are_recorded_with_their_outcome(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    with session_scope(sessions) as s:
        assert fire(s, fired_at=600, **KW) == 2
        assert fire(s, fired_at=600, **KW) == 0  # a second scheduler: recorded once
    with sessions() as s:
        (first,) = last_fires(s, "analytics.rollup")
    assert (first["trigger"], first["staged"], first["outcome"]) == ("timer", 2, "running")
    _set_status(sessions, tenant.org_id, "succeeded")
    _set_status(sessions, other_tenant.org_id, "failed")
    with session_scope(sessions) as s:
        # The failed org's job is finished, so both orgs get a job; then an operator runs it.
        assert fire(s, fired_at=900, **KW) == 2
        assert fire(s, fired_at=900, trigger="manual", **KW) == 0  # both still queued: skipped
    with sessions() as s:
        manual, timer, old = last_fires(s, "analytics.rollup")
    assert (manual["trigger"], manual["outcome"], manual["skipped"]) == ("manual", "skipped", 2)
    assert (timer["outcome"], old["outcome"]) == ("running", "failed")
    assert old["jobs"] == {"succeeded": 1, "failed": 1}


def test_only_the_newest_fires_are_kept(sessions: sessionmaker[Session]) -> None:
    kw = {"schedule_id": "search.analytics", "actor": analytics.rollup, "per_org": False}
    with session_scope(sessions) as s:
        for i in range(FIRES_KEPT + 5):
            fire(s, fired_at=60 * i, **kw)
            s.execute(update(Job).values(status="succeeded"))
    with sessions() as s:
        kept = s.scalar(select(func.count()).select_from(ScheduleFire))
        newest = last_fires(s, "search.analytics", limit=20)
    assert kept == FIRES_KEPT
    assert len(newest) == 20 and newest[0]["outcome"] == "succeeded"
    assert newest[0]["fired_at"] > newest[-1]["fired_at"]
