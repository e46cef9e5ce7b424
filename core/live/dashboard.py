"""The live dashboard: pipeline per stage, win rate and today's counts, as coalesced deltas.

Each recorded write publishes a "dirty" signal for its org (``core.live.activity``). Every
realtime process with a dashboard socket of that org hears it; the one that takes the org's
pending lease (``SET NX``) is its coalescer for this round: it waits until ``interval_s``
after the org's previous push, drops the lease, computes the figures once, and publishes
only what changed since the last push. Dropping the lease before computing means a write
that lands during the computation starts the next round, so no change is left unpushed;
the wait means at most one push per org per interval, however many processes or writes.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import STAGES, Activity, Deal, Lead

PREFIX = "saleshub:dashboard:"
# Safety bound of a round's lease, past the interval, should its process die mid-round.
LEASE_EXTRA_S = 10
# The last pushed figures are kept this long (a new round diffs against them).
SNAPSHOT_TTL_S = 86_400


def figures(session: Session, org_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """The dashboard figures of ``org_id``, computed from its rows (three small queries)."""
    midnight = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    pipeline: dict[str, dict[str, Any]] = {s: {"count": 0, "amount": "0.00"} for s in STAGES}
    for stage, count, amount in session.execute(
        select(Deal.stage, func.count(), func.coalesce(func.sum(Deal.amount), 0))
        .where(Deal.org_id == org_id)
        .group_by(Deal.stage)
    ):
        pipeline[stage] = {"count": count, "amount": f"{Decimal(amount or 0):.2f}"}
    won, lost = pipeline["won"]["count"], pipeline["lost"]["count"]
    today = {}
    for name, model in (("deals", Deal), ("leads", Lead), ("activities", Activity)):
        today[name] = session.scalar(
            select(func.count()).where(model.org_id == org_id, model.created_at >= midnight)
        )
    return {
        "pipeline": pipeline,
        "win_rate": round(won / (won + lost), 4) if won + lost else None,
        "today": today,
    }


def delta(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """What changed from ``old`` to ``new``, two levels deep (a stage, a count)."""
    if old is None:
        return new
    out: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            inner = {k: v for k, v in value.items() if before.get(k) != v}
            if inner:
                out[key] = inner
        elif before != value or key not in old:
            out[key] = value
    return out


def _key(kind: str, org_id: int) -> str:
    return f"{PREFIX}{kind}:{org_id}"


def claim(client: redis.Redis, org_id: int, interval_s: float) -> float | None:
    """Take this round's lease of ``org_id``; how long to wait before pushing (None: taken)."""
    ttl_ms = int((interval_s + LEASE_EXTRA_S) * 1000)
    pipe = client.pipeline(transaction=False)
    pipe.set(_key("pending", org_id), 1, nx=True, px=ttl_ms)
    pipe.get(_key("pushed-at", org_id))
    won, pushed_at = pipe.execute()
    if not won:
        return None
    last = float(pushed_at) if pushed_at else 0.0
    return max(0.0, last + interval_s - time.time())


def push(
    client: redis.Redis, org_id: int, current: dict[str, Any], *, release: bool = True
) -> dict[str, Any]:
    """Store ``current`` as the last pushed figures; what changed since the previous push.

    With ``release`` it also drops the round's lease (do that before computing ``current``,
    with :func:`release`, when a write may race the computation).
    """
    pipe = client.pipeline(transaction=False)
    pipe.set(_key("last", org_id), orjson.dumps(current), ex=SNAPSHOT_TTL_S, get=True)
    pipe.set(_key("pushed-at", org_id), repr(time.time()), ex=SNAPSHOT_TTL_S)
    if release:
        pipe.delete(_key("pending", org_id))
    previous = pipe.execute()[0]
    return delta(orjson.loads(previous) if previous else None, current)


def remember(client: redis.Redis, org_id: int, current: dict[str, Any]) -> None:
    """Keep ``current`` (a new subscriber's snapshot) as the base of deltas, if none is yet."""
    client.set(_key("last", org_id), orjson.dumps(current), ex=SNAPSHOT_TTL_S, nx=True)


def release(client: redis.Redis, org_id: int) -> None:
    """Drop the round's lease: a write from now on starts the next round."""
    client.delete(_key("pending", org_id))
