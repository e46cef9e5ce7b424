"""Autocomplete: the org's popular queries and record titles starting with the input."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.search.query import Filters, parse, search

POPULAR_DAYS = 30
_POPULAR = text(
    "SELECT query, sum(count) AS n FROM search_query_stats "
    "WHERE org_id = :org AND query LIKE :p AND day >= current_date - CAST(:days AS int) "
    "GROUP BY query HAVING sum(count - zero_results) > 0 "
    "ORDER BY n DESC, query LIMIT :k"
)


def suggest(
    session: Session,
    org_id: int,
    q: str,
    *,
    limit: int = 10,
    filters: Filters | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    """Up to ``limit`` suggestions: popular queries first (at most half), then records."""
    started = time.perf_counter()
    query = parse(q)
    items: list[dict[str, Any]] = []
    if query.tokens:
        popular = session.execute(
            _POPULAR, {"org": org_id, "p": query.text + "%", "days": POPULAR_DAYS, "k": limit}
        ).all()
        for row in popular[: max(1, limit // 2)]:
            items.append({"kind": "query", "text": row.query, "count": int(row.n)})
        found = search(session, org_id, q, filters=filters, limit=limit, user_id=user_id)
        for item in found.items[: limit - len(items)]:
            items.append(
                {
                    "kind": "record",
                    "text": item["title"],
                    "type": item["type"],
                    "id": item["id"],
                    "subtitle": item["subtitle"],
                    "highlights": item["highlights"],
                }
            )
        for row in popular[max(1, limit // 2) :]:
            if len(items) >= limit:
                break
            items.append({"kind": "query", "text": row.query, "count": int(row.n)})
    took = (time.perf_counter() - started) * 1000
    return {"items": items, "query": query.text, "took_ms": round(took, 3)}
