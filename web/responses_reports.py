"""Response models of bulk files, search, analytics and cache figures (see ``web.responses``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, create_model

from web.responses import Json, Link, Money, Page


class Export(BaseModel):
    """An export; ``download_url`` (a signed link, no API key needed) once it succeeded."""

    id: UUID
    type: str
    format: Literal["csv", "ndjson"]
    status: str
    rows: int | None
    columns: list[str] | None
    filters: Json | None
    job_id: UUID | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    download_url: str | None
    expires_at: datetime | None
    links: Link


class Import(BaseModel):
    """An import, its totals so far and, once finished, where its rejection report is."""

    id: UUID
    type: str
    status: str
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    report_url: str | None
    job_id: UUID | None
    created_at: datetime
    finished_at: datetime | None
    dry_run: bool
    key: str | None
    filename: str | None
    error: str | None
    progress: int | None
    links: Link


class ImportPage(Page):
    items: list[Import]


class Highlight(BaseModel):
    """Where the words matched in one field: ``[start, end)`` offsets."""

    field: str
    value: str
    ranges: list[list[int]]


class Hit(BaseModel):
    """A record the search found; ``score`` follows the ranking (0 to 1)."""

    type: str
    id: int
    title: str
    subtitle: str | None
    score: float
    matched_field: str | None
    highlights: list[Highlight]


class SearchResult(BaseModel):
    items: list[Hit]
    query: str = Field(description="the query as normalized")
    took_ms: float


class Suggestion(BaseModel):
    """A popular query (``count``) or a record (``type``, ``id``, ``subtitle``, ...)."""

    kind: Literal["query", "record"]
    text: str
    count: int | None = None
    type: str | None = None
    id: int | None = None
    subtitle: str | None = None
    highlights: list[Highlight] | None = None


class Suggestions(BaseModel):
    items: list[Suggestion]
    query: str
    took_ms: float


class QueryCount(BaseModel):
    query: str
    count: int


class Latency(BaseModel):
    p50: float | None
    p95: float | None
    p99: float | None
    buckets_ms: list[float]


class SearchReport(BaseModel):
    """Top queries, zero-result queries and latency of the last ``days``."""

    days: int
    searches: int
    zero_result_searches: int
    top_queries: list[QueryCount]
    zero_result_queries: list[QueryCount]
    latency_ms: Latency


class StageFigures(BaseModel):
    count: int
    amount: Money


class DayCount(BaseModel):
    day: date
    count: int


class Dashboard(BaseModel):
    """Pipeline by stage, win rate, new leads and activities per day (30 days)."""

    pipeline: dict[str, StageFigures]
    win_rate: float | None
    new_leads_per_day: list[DayCount]
    activities_per_day: list[DayCount]
    computed_at: datetime | None
    source: Literal["rollup", "live"]


class CacheCounts(BaseModel):
    """Cache counters (of every process since the counters began) and the hit rate."""

    hits: int
    misses: int
    stale: int
    early_refreshes: int
    lock_waits: int
    errors: int
    bypassed: int
    computations: int
    stores: int
    dropped_stale_writes: int
    bytes_stored: int
    bytes_saved: int
    hit_rate: float | None


class CacheHistogram(BaseModel):
    buckets: dict[str, int] = Field(description="upper bound in ms (or +Inf) to count")


class CacheMemory(BaseModel):
    used_bytes: int | None
    max_bytes: int | None
    policy: str | None


class _CacheState(BaseModel):
    status: Literal["up", "down"]
    enabled: bool
    scope: Literal["platform", "org"] | None = None
    error: str | None = None
    namespaces: dict[str, CacheCounts] | None = None
    latency_ms: CacheHistogram | None = None
    keys: int | None = Field(default=None, description="platform scope only")
    memory: CacheMemory | None = Field(default=None, description="platform scope only")


# The counters are at the top level, and absent while the cache is down.
_counters: dict[str, Any] = {
    name: (info.annotation | None, None)  # type: ignore[operator]
    for name, info in CacheCounts.model_fields.items()
}
CacheStats = create_model(
    "CacheStats",
    __base__=_CacheState,
    __doc__="The cache's figures; while it is ``down``, only ``error`` and ``enabled``.",
    **_counters,
)
