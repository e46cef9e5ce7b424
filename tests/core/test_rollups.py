"""Analytics rollups computed from rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from core import rollups
from models import Activity, Deal, Lead
from models.db import session_scope
from tests.support.factories import Tenant


def test_rollup_counts_own_org_only_and_is_idempotent(
    sessions: sessionmaker[Session], tenant: Tenant, other_tenant: Tenant
) -> None:
    with session_scope(sessions) as s:
        for stage, amount in (("won", "100.50"), ("won", "200"), ("lost", "5"), ("lead", None)):
            s.add(
                Deal(
                    org_id=tenant.org_id,
                    title=stage,
                    stage=stage,
                    amount=amount and Decimal(amount),
                )
            )
        s.add(Deal(org_id=other_tenant.org_id, title="theirs", stage="won", amount=Decimal(999)))
        s.add(Lead(org_id=tenant.org_id, name="L"))
        s.add(Activity(org_id=tenant.org_id, kind="call", subject="S"))
    with session_scope(sessions) as s:
        summary = rollups.rollup_org(s, tenant.org_id)
        rollups.rollup_org(s, tenant.org_id)  # a redelivered job changes nothing
    assert summary == {"org_id": tenant.org_id, "deals": 4, "win_rate": round(2 / 3, 4)}
    with sessions() as s:
        board = rollups.dashboard(s, tenant.org_id)
    assert board["source"] == "rollup"
    assert board["pipeline"]["won"] == {"count": 2, "amount": "300.50"}
    assert board["pipeline"]["proposal"] == {"count": 0, "amount": "0.00"}
    today = datetime.now(UTC).date().isoformat()
    assert board["new_leads_per_day"][-1] == {"day": today, "count": 1}
    assert board["activities_per_day"][-1] == {"day": today, "count": 1}
    assert len(board["new_leads_per_day"]) == rollups.WINDOW_DAYS


def test_dashboard_is_live_before_the_first_rollup(
    sessions: sessionmaker[Session], tenant: Tenant
) -> None:
    with sessions() as s:
        board = rollups.dashboard(s, tenant.org_id)
    assert board["source"] == "live" and board["computed_at"] is None
    assert board["win_rate"] is None
