"""Analytics rollups: pipeline by stage, win rate, new leads and activities per day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import STAGES, Activity, AnalyticsSnapshot, Deal, Lead

WINDOW_DAYS = 30


def _per_day(session: Session, model: Any, org_id: int, since: date) -> dict[str, int]:
    day = cast(model.created_at, Date)
    rows = session.execute(
        select(day, func.count())
        .where(model.org_id == org_id, model.created_at >= since)
        .group_by(day)
    ).all()
    return {d.isoformat(): n for d, n in rows}


def compute(session: Session, org_id: int, *, today: date | None = None) -> dict[str, Any]:
    """The dashboard figures of ``org_id``, computed from its rows."""
    today = today or datetime.now(UTC).date()
    since = today - timedelta(days=WINDOW_DAYS - 1)
    by_stage: dict[str, dict[str, Any]] = {s: {"count": 0, "amount": "0.00"} for s in STAGES}
    rows = session.execute(
        select(Deal.stage, func.count(), func.coalesce(func.sum(Deal.amount), 0))
        .where(Deal.org_id == org_id)
        .group_by(Deal.stage)
    ).all()
    for stage, count, amount in rows:
        by_stage[stage] = {"count": count, "amount": f"{Decimal(amount or 0):.2f}"}
    won: int = by_stage["won"]["count"]
    lost: int = by_stage["lost"]["count"]
    days = [(since + timedelta(days=i)).isoformat() for i in range(WINDOW_DAYS)]
    leads = _per_day(session, Lead, org_id, since)
    activities = _per_day(session, Activity, org_id, since)
    return {
        "pipeline": by_stage,
        "win_rate": round(won / (won + lost), 4) if won + lost else None,
        "new_leads_per_day": [{"day": d, "count": leads.get(d, 0)} for d in days],
        "activities_per_day": [{"day": d, "count": activities.get(d, 0)} for d in days],
    }


def rollup_org(session: Session, org_id: int) -> dict[str, Any]:
    """Recompute and store the snapshot of ``org_id`` (an idempotent upsert); return a summary."""
    data = compute(session, org_id)
    now = datetime.now(UTC)
    stmt = insert(AnalyticsSnapshot).values(org_id=org_id, data=data, computed_at=now)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["org_id"], set_={"data": data, "computed_at": now}
        )
    )
    deals = sum(v["count"] for v in data["pipeline"].values())
    return {"org_id": org_id, "deals": deals, "win_rate": data["win_rate"]}


def dashboard(session: Session, org_id: int) -> dict[str, Any]:
    """The latest snapshot of ``org_id``, or a live computation when none was rolled up yet."""
    snap = session.get(AnalyticsSnapshot, org_id)
    if snap is None:
        return {**compute(session, org_id), "computed_at": None, "source": "live"}
    return {**snap.data, "computed_at": snap.computed_at.isoformat(), "source": "rollup"}
