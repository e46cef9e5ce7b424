"""Search analytics: buffered in the broker Redis off the request path, rolled up in batches.

Each search appends one small event to a capped Redis list (one pipelined round trip,
after the response is sent); a periodic job moves events into per-day tables in batches:
query counts and a latency histogram per org. At least once: a batch is trimmed from the
list only after its rows commit, so a crash in between counts it twice, never zero times.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import redis
from sqlalchemy import text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

EVENTS_KEY = "saleshub:search:events"
# Past this many unrolled events the oldest are dropped: the broker must never fill up.
MAX_BUFFER = 200_000
BATCH = 5_000
RETENTION_DAYS = 90
# Upper bounds (ms) of the latency buckets; one more bucket holds the slower ones.
BUCKETS_MS = (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000)

_STATS = text(
    "INSERT INTO search_query_stats (org_id, query, day, count, zero_results, last_results) "
    "SELECT u.o, u.q, u.d, u.n, u.z, u.r FROM unnest(CAST(:orgs AS bigint[]), "
    "CAST(:queries AS text[]), CAST(:days AS date[]), CAST(:counts AS int[]), "
    "CAST(:zeros AS int[]), CAST(:results AS int[])) AS u(o, q, d, n, z, r) "
    "JOIN organizations org ON org.id = u.o ORDER BY u.o, u.q, u.d "
    "ON CONFLICT (org_id, query, day) DO UPDATE SET "
    "count = search_query_stats.count + excluded.count, "
    "zero_results = search_query_stats.zero_results + excluded.zero_results, "
    "last_results = excluded.last_results"
)
_LATENCY = text(
    "INSERT INTO search_latency (org_id, day, bucket, count) "
    "SELECT u.o, u.d, u.b, u.n FROM unnest(CAST(:orgs AS bigint[]), CAST(:days AS date[]), "
    "CAST(:buckets AS smallint[]), CAST(:counts AS int[])) AS u(o, d, b, n) "
    "JOIN organizations org ON org.id = u.o ORDER BY u.o, u.d, u.b "
    "ON CONFLICT (org_id, day, bucket) DO UPDATE SET "
    "count = search_latency.count + excluded.count"
)


def bucket(took_ms: float) -> int:
    """The histogram bucket of a latency."""
    for i, bound in enumerate(BUCKETS_MS):
        if took_ms <= bound:
            return i
    return len(BUCKETS_MS)


def record(client: redis.Redis, org_id: int, query: str, results: int, took_ms: float) -> None:
    """Buffer one search for the rollup (one round trip; the list stays capped)."""
    event = orjson.dumps([org_id, query, results, round(took_ms, 3), int(time.time())])
    pipe = client.pipeline(transaction=False)
    pipe.rpush(EVENTS_KEY, event)
    pipe.ltrim(EVENTS_KEY, -MAX_BUFFER, -1)
    pipe.execute()


def _day(ts: int) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def _write(session: Session, events: list[bytes]) -> int:
    stats: dict[tuple[int, str, date], list[int]] = {}
    latency: Counter[tuple[int, date, int]] = Counter()
    for raw in events:
        try:
            org_id, query, results, took_ms, ts = orjson.loads(raw)
            day = _day(int(ts))
            key = (int(org_id), str(query), day)
        except (orjson.JSONDecodeError, ValueError, TypeError, OverflowError, OSError):
            log.warning("dropping a malformed search event: %r", raw[:200])
            continue
        entry = stats.setdefault(key, [0, 0, 0])
        entry[0] += 1
        entry[1] += int(results == 0)
        entry[2] = int(results)
        latency[(key[0], day, bucket(float(took_ms)))] += 1
    if stats:
        keys = sorted(stats)
        session.execute(
            _STATS,
            {
                "orgs": [k[0] for k in keys],
                "queries": [k[1] for k in keys],
                "days": [k[2] for k in keys],
                "counts": [stats[k][0] for k in keys],
                "zeros": [stats[k][1] for k in keys],
                "results": [stats[k][2] for k in keys],
            },
        )
        lkeys = sorted(latency)
        session.execute(
            _LATENCY,
            {
                "orgs": [k[0] for k in lkeys],
                "days": [k[1] for k in lkeys],
                "buckets": [k[2] for k in lkeys],
                "counts": [latency[k] for k in lkeys],
            },
        )
    return sum(v[0] for v in stats.values())


def rollup(
    session: Session,
    client: redis.Redis,
    *,
    batch: int = BATCH,
    retention_days: int = RETENTION_DAYS,
) -> dict[str, Any]:
    """Move buffered search events into the analytics tables, one committed batch at a time."""
    events = 0
    while True:
        raw: list[bytes] = client.lrange(EVENTS_KEY, 0, batch - 1)  # type: ignore[assignment]
        if not raw:
            break
        events += _write(session, raw)
        session.commit()
        client.ltrim(EVENTS_KEY, len(raw), -1)
        if len(raw) < batch:
            break
    since = datetime.now(UTC).date() - timedelta(days=retention_days)
    params = {"since": since}
    session.execute(text("DELETE FROM search_query_stats WHERE day < :since"), params)
    session.execute(text("DELETE FROM search_latency WHERE day < :since"), params)
    return {"events": events}


def _percentile(hist: dict[int, int], total: int, q: float) -> float | None:
    if not total:
        return None
    seen = 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= q * total:
            return float(BUCKETS_MS[min(b, len(BUCKETS_MS) - 1)])
    return float(BUCKETS_MS[-1])


def report(session: Session, org_id: int, *, days: int = 7, top: int = 10) -> dict[str, Any]:
    """Top queries, zero-result queries and latency percentiles of ``org_id``."""
    since = datetime.now(UTC).date() - timedelta(days=days - 1)
    params = {"org": org_id, "since": since, "top": top}
    grouped = (
        "SELECT query, sum(count) AS n, sum(zero_results) AS z FROM search_query_stats "
        "WHERE org_id = :org AND day >= :since GROUP BY query "
    )
    top_rows = session.execute(text(grouped + "ORDER BY n DESC, query LIMIT :top"), params)
    zero_rows = session.execute(
        text(grouped + "HAVING sum(zero_results) > 0 ORDER BY z DESC, query LIMIT :top"), params
    )
    totals = session.execute(
        text(
            "SELECT coalesce(sum(count), 0), coalesce(sum(zero_results), 0) "
            "FROM search_query_stats WHERE org_id = :org AND day >= :since"
        ),
        params,
    ).one()
    hist = {
        int(b): int(n)
        for b, n in session.execute(
            text(
                "SELECT bucket, sum(count) FROM search_latency WHERE org_id = :org "
                "AND day >= :since GROUP BY bucket"
            ),
            params,
        )
    }
    total = sum(hist.values())
    return {
        "days": days,
        "searches": int(totals[0]),
        "zero_result_searches": int(totals[1]),
        "top_queries": [{"query": r.query, "count": int(r.n)} for r in top_rows],
        "zero_result_queries": [{"query": r.query, "count": int(r.z)} for r in zero_rows],
        "latency_ms": {
            "p50": _percentile(hist, total, 0.5),
            "p95": _percentile(hist, total, 0.95),
            "p99": _percentile(hist, total, 0.99),
            "buckets_ms": list(BUCKETS_MS),
        },
    }
