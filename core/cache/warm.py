"""Warming: recompute an org's hottest cached answers and its dashboard before users ask.

Each cached name that can be computed outside a request has a warmer here. A warm reads
its tags' versions before it reads PostgreSQL and stores conditionally, so a warm that
read rows older than a concurrent write is dropped, never stored over it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
import redis
from sqlalchemy.orm import Session

from core import rollups
from core.cache.base import CacheBase
from core.cache.keys import DASHBOARD, canonical, detail_tags, parse_member
from models import Activity, Company, Contact, Deal, Lead

# Hit counters keep this many keys per org; scores halve on every warm so they follow demand.
KEEP_COUNTED = 1000
# Answers recomputed right after one commit, at most (a bulk write refreshes on demand).
REFRESH_AFTER_WRITE = 20
DETAIL_MODELS: dict[str, Any] = {
    m.__tablename__: m for m in (Company, Contact, Deal, Lead, Activity)
}


def encode(body: Any) -> bytes:
    """JSON bytes exactly as the API encodes them (``web.http.json_response``)."""

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        raise TypeError

    return orjson.dumps(body, default=default, option=orjson.OPT_NON_STR_KEYS)


def row_json(row: Any) -> dict[str, Any]:
    """A CRM row as the API answers it (``web.http.row_to_dict``; tests hold them equal)."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key == "org_id":
            continue
        value = getattr(row, column.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[column.key] = value
    return out


@dataclass(frozen=True)
class Warmer:
    """How to recompute one cached name.

    Parameters:
      tags: the answer's tags, from its parameters.
      compute: the answer's bytes, or ``None`` when there is nothing to cache.
    """

    tags: Callable[[dict[str, Any]], list[str]]
    compute: Callable[[Session, int, dict[str, Any]], bytes | None]


def _detail(table: str) -> Warmer:
    model = DETAIL_MODELS[table]

    def compute(session: Session, org_id: int, params: dict[str, Any]) -> bytes | None:
        row = session.get(model, params["item_id"])
        return None if row is None or row.org_id != org_id else encode(row_json(row))

    return Warmer(tags=lambda p: detail_tags(table, p["item_id"]), compute=compute)


WARMERS: dict[str, Warmer] = {
    "dashboard": Warmer(
        tags=lambda _p: [DASHBOARD],
        compute=lambda s, org_id, _p: encode(rollups.dashboard(s, org_id)),
    ),
    **{f"{table}.detail": _detail(table) for table in DETAIL_MODELS},
}


def warm_keys(
    cache: CacheBase,
    session: Session,
    org_id: int,
    wanted: Iterable[tuple[str, str]],
    *,
    warmers: Mapping[str, Warmer] | None = None,
) -> dict[str, int]:
    """Recompute and store the (name, canonical params) answers of ``org_id`` we can compute.

    Raises on a Redis failure.
    """
    plan = []
    skipped = 0
    for name, params in dict.fromkeys(wanted):
        warmer = (WARMERS if warmers is None else warmers).get(name)
        if warmer is None:
            skipped += 1
            continue
        values = orjson.loads(params)
        plan.append((cache.key(org_id, name, params), warmer, values, warmer.tags(values)))
    # Versions first, then PostgreSQL: a write committed in between makes the store a no-op.
    stamps = cache.snapshot([(org_id, tags) for _, _, _, tags in plan])
    items = []
    for (key, warmer, values, _tags), versions in zip(plan, stamps, strict=True):
        payload = warmer.compute(session, org_id, values)
        if payload is None:
            skipped += 1
            continue
        entry, ttl = cache.entry(payload, versions)
        items.append((key, entry, ttl))
    stored = cache.store(items)
    return {"warmed": sum(stored), "dropped": len(stored) - sum(stored), "skipped": skipped}


def warm_org(
    cache: CacheBase,
    session: Session,
    org_id: int,
    *,
    top: int,
    warmers: Mapping[str, Warmer] | None = None,
) -> dict[str, int]:
    """Recompute the dashboard and the ``top`` most requested keys of ``org_id``.

    Keys without a warmer here (lists: their query lives in the web layer) are refreshed
    on their next request instead. Raises on a Redis failure, so the job retries.
    """
    hits = cache.keys.hits(org_id)
    ranked: list[bytes] = cache.client.zrevrange(hits, 0, max(0, top - 1))  # type: ignore[assignment]
    wanted = [("dashboard", "{}")] + [parse_member(m.decode()) for m in ranked]
    done = warm_keys(cache, session, org_id, wanted, warmers=warmers)
    _decay(cache.client, hits)
    return {"org_id": org_id, **done}


def written_keys(tags: Iterable[str]) -> list[tuple[str, str]]:
    """The answers worth recomputing right after a commit that bumped ``tags``.

    The details of the rows written (the next read of a hot row is usually soon), and the
    dashboard when a rollup stored a new snapshot (a primary-key read).
    """
    wanted = []
    for tag in tags:
        table, _, ident = tag.partition(":")
        if table in DETAIL_MODELS and ident.isdigit():
            wanted.append((f"{table}.detail", canonical({"item_id": int(ident)})))
        elif tag == "rows:analytics_snapshots":
            wanted.append(("dashboard", "{}"))
    return wanted[:REFRESH_AFTER_WRITE]


def _decay(client: redis.Redis, hits: str) -> None:
    pipe = client.pipeline(transaction=False)
    pipe.zunionstore(hits, {hits: 0.5})
    pipe.zremrangebyrank(hits, 0, -KEEP_COUNTED - 1)
    pipe.execute()
