"""Dashboard figures and their coalescing: one round per org and interval, deltas only."""

from __future__ import annotations

from decimal import Decimal

import redis
from sqlalchemy.orm import Session, sessionmaker

from core.live import dashboard
from models import Deal
from tests.support.factories import Tenant


def test_figures_count_the_pipeline_win_rate_and_today(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    with sessions.begin() as session:
        for stage, amount in (("won", "10.50"), ("won", "1"), ("lost", None), ("lead", "5")):
            session.add(Deal(org_id=tenant.org_id, title=stage, stage=stage, amount=amount))
        session.add(Deal(org_id=other_tenant.org_id, title="theirs", stage="won"))
    with sessions() as session:
        got = dashboard.figures(session, tenant.org_id)
    assert got["pipeline"]["won"] == {"count": 2, "amount": f"{Decimal('11.50'):.2f}"}
    assert got["pipeline"]["lost"] == {"count": 1, "amount": "0.00"}
    assert got["pipeline"]["proposal"] == {"count": 0, "amount": "0.00"}
    assert got["win_rate"] == round(2 / 3, 4)
    assert got["today"] == {"deals": 4, "leads": 0, "activities": 0}


def test_delta_holds_only_what_changed() -> None:
    old = {"pipeline": {"won": {"count": 1}, "lost": {"count": 0}}, "win_rate": 1.0}
    new = {"pipeline": {"won": {"count": 2}, "lost": {"count": 0}}, "win_rate": 1.0, "t": 1}
    assert dashboard.delta(old, new) == {"pipeline": {"won": {"count": 2}}, "t": 1}
    assert dashboard.delta(None, new) == new
    assert dashboard.delta(new, new) == {}


def test_one_round_per_org_and_interval(broker_redis: redis.Redis) -> None:
    assert dashboard.claim(broker_redis, 1, 1.0) == 0.0  # never pushed: push now
    assert dashboard.claim(broker_redis, 1, 1.0) is None  # this round is taken
    assert dashboard.claim(broker_redis, 2, 1.0) == 0.0  # another org has its own
    dashboard.release(broker_redis, 1)
    first = dashboard.push(broker_redis, 1, {"win_rate": 0.5}, release=False)
    assert first == {"win_rate": 0.5}
    wait = dashboard.claim(broker_redis, 1, 1.0)  # just pushed: wait out the interval
    assert wait is not None and 0.5 < wait <= 1.0
    assert dashboard.push(broker_redis, 1, {"win_rate": 0.5}) == {}
    assert dashboard.claim(broker_redis, 1, 1.0) is not None  # the push released the lease
