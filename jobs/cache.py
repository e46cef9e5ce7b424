"""Cache jobs: ``cache.warm`` (scheduled; after a bulk invalidation) and ``cache.invalidate``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session, sessionmaker

from core.cache.service import Cache
from core.cache.track import track_writes
from core.cache.warm import warm_org
from core.queueing.broker import actor
from core.queueing.outbox import stage
from core.settings import Settings
from jobs.runtime import current_settings, session_scope
from models.db import make_engine, make_sessionmaker

# ``dashboard``, ``list:contacts``, ``contacts:12``, ``rows:deals`` (see core.cache.keys).
Tag = Annotated[str, Field(pattern=r"^[a-z_]+(:[a-z0-9_]+)?$", max_length=100)]


class InvalidateParams(BaseModel):
    """``{"tags": [...]}`` (bumped: O(1) each) or ``{"pattern": "..."}`` (SCAN + UNLINK).

    A pattern is a Redis glob over ``<name>:<params>`` of the org's entries, e.g.
    ``contacts.*`` or ``deals.list:*``.
    """

    model_config = ConfigDict(extra="forbid")
    tags: Annotated[list[Tag], Field(min_length=1, max_length=100)] | None = None
    pattern: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[!-~]+$")] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> InvalidateParams:
        if (self.tags is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'tags' and 'pattern'")
        return self


class _Services:
    by_url: dict[str, Cache] = {}


def cache_service(settings: Settings | None = None) -> Cache:
    """This worker process's cache service (made on first use, after fork)."""
    settings = settings or current_settings()
    cache = _Services.by_url.get(settings.cache.url)
    if cache is None:
        config = settings.cache
        cache = Cache.from_url(settings.cache.url, config, environment=settings.environment)
        _Services.by_url[settings.cache.url] = cache
    return cache


def tracked_sessions(settings: Settings) -> sessionmaker[Session]:
    """A session factory whose commits invalidate the cache (the rollup's, for the dashboard)."""
    factory = make_sessionmaker(
        make_engine(
            settings.database.url,
            pool_size=settings.database.pool_size,
            connect_timeout_s=settings.database.connect_timeout_s,
        )
    )
    track_writes(factory, cache_service(settings))
    return factory


@actor(
    actor_name="cache.warm",
    queue_name="bulk",
    max_retries=1,
    time_limit=120_000,
    # A warm still queued when the next one is due is dropped, not run late.
    max_age=240_000,
)
def warm(org_id: int) -> dict[str, Any]:
    """Recompute the dashboard and the hottest cached answers of one organization."""
    cache = cache_service()
    with session_scope() as session:
        return warm_org(cache, session, org_id, top=cache.config.warm_top_keys)


@actor(
    actor_name="cache.invalidate",
    queue_name="default",
    max_retries=5,
    min_backoff=1_000,
    max_backoff=30_000,
    time_limit=300_000,
    max_age=3_600_000,
)
def invalidate(org_id: int, tags: list[str], pattern: str | None) -> dict[str, Any]:
    """Bump ``tags`` or delete the entries matching ``pattern`` of one org, then re-warm it."""
    cache = cache_service()
    cache.bump(org_id, tags, strict=True)
    deleted = cache.invalidate_pattern(org_id, pattern) if pattern else 0
    if pattern:
        with session_scope() as session:
            stage(session, warm, job_type="cache.warm", org_id=org_id, args=(org_id,))
    return {"org_id": org_id, "tags": len(tags), "deleted": deleted}
